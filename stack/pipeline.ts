/**
 * Starts the four pipeline services as separate processes (so trace context really
 * crosses HTTP), each through the fault host (faults/host/main.ts), waits until every one
 * listens, and stops the gateway first, then the others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PORT_SETTINGS, adminPorts, loadFaultConfig, type FaultConfig } from '../faults/config.ts';
import { loadPipelineConfig, pipelinePorts as servicePorts, serviceUrl, type PipelineConfig } from '../target-pipeline/config.ts';
import { LISTENING_LINE, PIPELINE_SERVICES, type PipelineServiceId } from '../target-pipeline/services.ts';
import { ManagedProcess } from './process.ts';
import { assertPortFree } from './ports.ts';
import { REPO_ROOT } from './tools.ts';

export { LISTENING_LINE };
export const SERVICE_START_TIMEOUT_MS = 180_000;
export const FAULT_HOST_SCRIPT = 'faults/host/main.ts';
/**
 * The pipeline's name (resource attribute ml.pipeline.name) in the harness's runs: the
 * seed's, because its section-7 overview query selects ml_pipeline_name="recommendation"
 * and runs here verbatim. ML_PIPELINE_NAME in the environment still wins.
 */
export const SEED_PIPELINE_NAME = 'recommendation';

export type PipelineServiceName = PipelineServiceId;

/** The command line that runs one service with its faults. */
export function serviceArgs(id: PipelineServiceId): string[] {
  return [path.join(REPO_ROOT, FAULT_HOST_SCRIPT), id];
}

/** Every port of the pipeline and its admin endpoints at its default plus `offset`. */
export function pipelinePorts(offset: number): Record<string, string> {
  return { ...servicePorts(offset), ...adminPorts(offset) };
}

export interface RunningPipeline {
  config: PipelineConfig;
  faults: FaultConfig;
  gatewayUrl: string;
  adminUrl: string;
  processes: Map<PipelineServiceName, ManagedProcess>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Environment for every service (ports, OTLP URL, fault injection...), on top of process.env. */
  env: Record<string, string>;
  /** Environment for one service only, on top of env (e.g. its own OTLP endpoint). */
  serviceEnv?: Partial<Record<PipelineServiceName, Record<string, string>>>;
  logDir: string;
  detached?: boolean;
}

export async function launchPipeline(opts: LaunchOptions): Promise<RunningPipeline> {
  const env = { ML_PIPELINE_NAME: SEED_PIPELINE_NAME, ...process.env, ...opts.env };
  // Both fail here, with the bad setting named, before any process starts.
  const config = loadPipelineConfig(env);
  const faults = loadFaultConfig(env);
  for (const s of PIPELINE_SERVICES) await assertPortFree(config.PIPELINE_HOST, config[s.port], `the ${s.id} service (${s.port})`);
  const adminPortOf: Record<string, number> = { ADMIN_PORT: faults.ADMIN_PORT };
  PIPELINE_SERVICES.forEach((s, i) => (adminPortOf[ADMIN_PORT_SETTINGS[i + 1]!] = faults.endpointPorts[s.id]));
  for (const [setting, port] of Object.entries(adminPortOf)) await assertPortFree(faults.ADMIN_HOST, port, `the fault admin endpoint (${setting})`);
  fs.mkdirSync(path.dirname(path.resolve(config.FEATURE_DB_PATH)), { recursive: true });

  const processes = new Map<PipelineServiceName, ManagedProcess>();
  const [front, ...backs] = [...PIPELINE_SERVICES].reverse();
  // The front door first, so no request arrives at a service already gone; the services
  // behind it call nothing of each other and stop together.
  const stop = async (): Promise<void> => {
    await processes.get(front!.id)?.stop();
    await Promise.all(backs.map((s) => processes.get(s.id)?.stop()));
  };
  const start = async (s: (typeof PIPELINE_SERVICES)[number]): Promise<void> => {
    const proc = ManagedProcess.start({
      name: s.id, command: process.execPath, args: serviceArgs(s.id),
      env: { ...env, ...opts.serviceEnv?.[s.id] }, cwd: REPO_ROOT, logDir: opts.logDir, detached: opts.detached,
    });
    processes.set(s.id, proc);
    await proc.waitForLog(LISTENING_LINE, `the ${s.id} service to listen on port ${config[s.port]}`, SERVICE_START_TIMEOUT_MS);
  };
  try {
    // No service needs another to start (the gateway calls the others only per request,
    // and nothing is sent before all four listen): all together. allSettled: a failed
    // start still waits for the others, so that stop() finds every process it has to stop.
    const started = await Promise.allSettled(PIPELINE_SERVICES.map(start));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    config,
    faults,
    gatewayUrl: serviceUrl(config, config.GATEWAY_PORT),
    adminUrl: `http://${faults.ADMIN_HOST}:${faults.ADMIN_PORT}`,
    processes,
    stop,
  };
}
