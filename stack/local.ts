import fs from 'node:fs';
import path from 'node:path';
import { configEnv, type PortName, type StackConfig } from './config.ts';
import { startCollector } from './collector.ts';
import { preparePrometheusConfig, startPrometheus } from './prometheus.ts';
import { assertPortFree } from './ports.ts';
import { ManagedProcess, type ExitInfo } from './process.ts';
import { endpointsFor, OWN_TEMPO_ACCESS, type OwnStackEndpoints, type RunningStack, type StackProvider } from './provider.ts';
import { REPO_ROOT, requireTool } from './tools.ts';
import { waitForHttpOk } from './wait.ts';

/** Tempo gets this long after SIGTERM when one component is stopped (stopComponent). */
export const TEMPO_STOP_GRACE_MS = 3_000;
/** ... and this long when the whole stack is, its run over (LocalRunningStack.stop). */
export const TEMPO_FINAL_STOP_GRACE_MS = 0;
/**
 * Tempo 3.0's query frontend cannot finish stopping while a tenant's request queue exists,
 * and an empty queue is deleted only by a cleanup tick every 30 s, which the stop has
 * already ended (grafana/tempo#7967, open at the pinned commit; found from a goroutine dump:
 * RequestQueue.stopping waiting on a condition nobody signals). A SIGTERM within 30 s of a
 * query therefore hangs, and the live store, which stops after the frontend, never cuts
 * what it holds to its WAL. Where Tempo's data must survive a stop (a restart), the last
 * query has to be older than this.
 */
export const TEMPO_QUERY_QUEUE_CLEANUP_MS = 30_000;

export const TEMPO_CONFIG = path.join(REPO_ROOT, 'docker/tempo/tempo.yaml');
export const COLLECTOR_CONFIG = path.join(REPO_ROOT, 'docker/otelcol/config.yaml');

const TEMPO_PORTS: PortName[] = ['TEMPO_HTTP_PORT', 'TEMPO_GRPC_PORT', 'TEMPO_OTLP_GRPC_PORT', 'TEMPO_MEMBERLIST_PORT'];
const COLLECTOR_PORTS: PortName[] = [
  'COLLECTOR_OTLP_GRPC_PORT', 'COLLECTOR_OTLP_HTTP_PORT', 'COLLECTOR_HEALTH_PORT',
  'COLLECTOR_PROMETHEUS_PORT', 'COLLECTOR_TELEMETRY_PORT',
];
const PROMETHEUS_PORTS: PortName[] = ['PROMETHEUS_PORT'];

export interface LocalStackOptions {
  /** Leave the processes running when this Node process exits (make stack-up). */
  detached?: boolean;
}

/** Tempo, the Collector and Prometheus as processes on loopback, logs and data under the run folder. */
export class LocalStackProvider implements StackProvider {
  readonly kind = 'local' as const;
  private readonly detached: boolean;

  constructor(opts: LocalStackOptions = {}) {
    this.detached = opts.detached ?? false;
  }

  async start(cfg: StackConfig): Promise<LocalRunningStack> {
    const tempoBin = requireTool('tempo');
    requireTool('otelcol');
    requireTool('prometheus');
    for (const p of TEMPO_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `Tempo (${p})`);
    for (const p of COLLECTOR_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `the Collector (${p})`);
    for (const p of PROMETHEUS_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `Prometheus (${p})`);
    // Checked before anything starts: a rules or scrape file that does not parse costs no start-up.
    const promConfig = preparePrometheusConfig(cfg.runDir, configEnv(cfg, ''));

    const logDir = path.join(cfg.runDir, 'logs');
    const tempoData = path.join(cfg.runDir, 'tempo');
    fs.mkdirSync(tempoData, { recursive: true });
    const env = { ...process.env, ...configEnv(cfg, tempoData) };
    const endpoints = endpointsFor(cfg);
    const t0 = performance.now();
    const started: ManagedProcess[] = [];
    const stack = new LocalRunningStack(endpoints, cfg, started);
    try {
      // Each component's start is kept, so that an outage test can stop one and start it
      // again on the same ports and data folder (startComponent).
      stack.starters.set('tempo', async () => {
        const tempo = ManagedProcess.start({
          name: 'tempo', command: tempoBin, args: [`-config.file=${TEMPO_CONFIG}`, '-config.expand-env=true'],
          env, logDir, detached: this.detached,
          stopGraceMs: TEMPO_STOP_GRACE_MS,
          slowStopReason: 'within 30 s of a query Tempo 3.0 cannot finish stopping (TEMPO_QUERY_QUEUE_CLEANUP_MS); a run folder is not reused',
          hangDumpSignal: 'SIGQUIT',
        });
        started.push(tempo);
        await waitForHttpOk(`${endpoints.tempoUrl}/ready`, {
          what: `Tempo ready at ${endpoints.tempoUrl}/ready`, timeoutMs: cfg.readyTimeoutMs, abortIf: () => tempo.deathReason(),
        });
        return tempo;
      });
      stack.starters.set('otelcol', async () => {
        const collector = await startCollector({
          name: 'otelcol', configFile: COLLECTOR_CONFIG, layers: cfg.collectorLayers, env: configEnv(cfg, tempoData),
          healthUrl: `http://${cfg.host}:${cfg.ports.COLLECTOR_HEALTH_PORT}/`,
          logDir, readyTimeoutMs: cfg.readyTimeoutMs, detached: this.detached,
        });
        started.push(collector);
        return collector;
      });
      stack.starters.set('prometheus', async () => {
        const prom = await startPrometheus({
          host: cfg.host, port: cfg.ports.PROMETHEUS_PORT, config: promConfig, logDir,
          readyTimeoutMs: cfg.readyTimeoutMs, detached: this.detached,
        });
        started.push(prom);
        return prom;
      });
      await stack.startComponent('tempo');
      await stack.startComponent('otelcol');
      await stack.startComponent('prometheus');
      stack.readyMs = Math.round(performance.now() - t0);
      return stack;
    } catch (err) {
      await stack.stop();
      throw err;
    }
  }
}

export type LocalComponent = 'tempo' | 'otelcol' | 'prometheus';

export class LocalRunningStack implements RunningStack {
  readonly kind = 'local' as const;
  readyMs = 0;
  readonly endpoints: OwnStackEndpoints;
  readonly config;
  readonly tempo = OWN_TEMPO_ACCESS;
  readonly processes: ManagedProcess[];

  constructor(endpoints: OwnStackEndpoints, config: StackConfig, processes: ManagedProcess[]) {
    this.endpoints = endpoints;
    this.config = config;
    this.processes = processes;
  }

  /** How to start each component, kept by the provider (see startComponent). */
  readonly starters = new Map<LocalComponent, () => Promise<ManagedProcess>>();

  /** The running process of a component, if any. */
  process(name: LocalComponent): ManagedProcess | undefined {
    return this.processes.find((p) => p.name === name && !p.exit);
  }

  /** Starts a component (again, after stopComponent: same ports, same data) and waits until it is ready. */
  async startComponent(name: LocalComponent): Promise<ManagedProcess> {
    if (this.process(name)) throw new Error(`${name} is already running`);
    const start = this.starters.get(name);
    if (!start) throw new Error(`no component '${name}' in this stack`);
    return start();
  }

  /**
   * Stops one component (SIGTERM, SIGKILL after graceMs), leaving the others running.
   * Says how it ended and how long that took (undefined when it was not running), so an
   * outage test can tell a graceful stop from a kill: a killed Tempo loses what it held
   * only in memory, which is Tempo's loss, not the Collector's.
   */
  async stopComponent(name: LocalComponent, graceMs?: number): Promise<{ exit: ExitInfo; ms: number } | undefined> {
    const p = this.process(name);
    if (!p) return undefined;
    const exit = await p.stop(graceMs, { dumpOnHang: true });
    return { exit, ms: p.stopMs ?? 0 };
  }

  /**
   * Stops in reverse start order so the Collector can flush to a still-running Tempo.
   * Tempo itself is killed at once: a stack is stopped when its run is over and its run
   * folder is never reused, so nothing reads what a graceful stop would cut to the WAL,
   * and within 30 s of a query (every run's verdict) that stop hangs for its whole grace
   * period anyway (TEMPO_QUERY_QUEUE_CLEANUP_MS). stopComponent keeps the grace, for a
   * restart on the same data.
   */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop(p.name === 'tempo' ? TEMPO_FINAL_STOP_GRACE_MS : undefined);
  }
}
