/**
 * Starts the four pipeline services as separate processes (so trace context really
 * crosses HTTP), waits until each listens, and stops them in reverse order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '../stack/process.ts';
import { assertPortFree } from '../stack/ports.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { loadPipelineConfig, serviceUrl, type PipelineConfig } from './config.ts';

export const SERVICE_START_TIMEOUT_MS = 180_000;
/** What every service prints once it accepts connections (see service/run.ts). */
export const LISTENING_LINE = /^LISTENING (\d+)$/m;

/** Start order: dependencies first, the gateway (the front door) last. */
export const SERVICES = [
  { name: 'feature-extractor', script: 'target-pipeline/feature-extractor/main.ts', port: 'FEATURE_EXTRACTOR_PORT' },
  { name: 'inference', script: 'target-pipeline/inference/main.ts', port: 'INFERENCE_PORT' },
  { name: 'post-processor', script: 'target-pipeline/post-processor/main.ts', port: 'POST_PROCESSOR_PORT' },
  { name: 'gateway', script: 'target-pipeline/gateway/main.ts', port: 'GATEWAY_PORT' },
] as const;
export type PipelineServiceName = (typeof SERVICES)[number]['name'];

export interface RunningPipeline {
  config: PipelineConfig;
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
  const env = { ...process.env, ...opts.env };
  const config = loadPipelineConfig(env); // fails here, with the bad setting named, before any process starts
  for (const s of SERVICES) await assertPortFree(config.PIPELINE_HOST, config[s.port], `the ${s.name} service (${s.port})`);
  const adminPorts = ['ADMIN_PORT', 'FEATURE_EXTRACTOR_ADMIN_PORT', 'INFERENCE_ADMIN_PORT'] as const;
  for (const p of adminPorts) await assertPortFree(config.ADMIN_HOST, config[p], `the fault admin endpoint (${p})`);
  fs.mkdirSync(path.dirname(path.resolve(config.FEATURE_DB_PATH)), { recursive: true });

  const processes = new Map<PipelineServiceName, ManagedProcess>();
  const stop = async (): Promise<void> => {
    for (const s of [...SERVICES].reverse()) await processes.get(s.name)?.stop();
  };
  try {
    for (const s of SERVICES) {
      const proc = ManagedProcess.start({
        name: s.name, command: process.execPath, args: [path.join(REPO_ROOT, s.script)],
        env: { ...env, ...opts.serviceEnv?.[s.name] }, cwd: REPO_ROOT, logDir: opts.logDir, detached: opts.detached,
      });
      processes.set(s.name, proc);
      await proc.waitForLog(LISTENING_LINE, `the ${s.name} service to listen on port ${config[s.port]}`, SERVICE_START_TIMEOUT_MS);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    config,
    gatewayUrl: serviceUrl(config, config.GATEWAY_PORT),
    adminUrl: `http://${config.ADMIN_HOST}:${config.ADMIN_PORT}`,
    processes,
    stop,
  };
}
