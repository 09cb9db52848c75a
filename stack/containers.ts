/**
 * The second stack provider: Tempo, the Collector and Prometheus as containers (testcontainers,
 * through Docker or podman), from the images docker/build/images.sh builds out of the
 * same static binaries, with the same config files and the same ports contract as the
 * local provider. Each container listens on every interface inside and publishes its
 * ports on 127.0.0.1 under the same numbers, so the pipeline and k6 (local processes)
 * see no difference. The Collector shares Tempo's network namespace and reaches it on
 * loopback, as it does with local processes (a private network with aliases would be
 * attached after creation, and podman then loses the published ports).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configEnv, type PortName, type StackConfig } from './config.ts';
import { startEngine, type ContainerEngine } from './engine.ts';
import { collectorArgs, COLLECTOR_READY_LINE } from './collector.ts';
import { COLLECTOR_CONFIG, TEMPO_CONFIG } from './local.ts';
import { preparePrometheusConfig, prometheusFlags } from './prometheus.ts';
import { assertPortFree } from './ports.ts';
import { liveProcesses } from './process.ts';
import { endpointsFor, OWN_TEMPO_ACCESS, type OwnStackEndpoints, type RunningStack, type StackProvider } from './provider.ts';
import { readVersions, REPO_ROOT, requireTool } from './tools.ts';
import { waitForHttpOk } from './wait.ts';

export const IMAGES_SCRIPT = path.join(REPO_ROOT, 'docker/build/images.sh');
/** The in-container paths the Containerfiles use; the provider copies the repository's configs there. */
const TEMPO_CONFIG_IN = '/etc/tempo/tempo.yaml';
const COLLECTOR_CONFIG_IN = '/etc/otelcol/config.yaml';
const PROMETHEUS_CONFIG_IN = '/etc/prometheus/prometheus.yml';
/** Prometheus logs this once its storage is open and its API answers. */
const PROMETHEUS_READY_LINE = /Server is ready to receive web requests/;
export const CONTAINER_STOP_TIMEOUT_MS = 5_000;
/** Every container the provider starts carries this label (clean-up by hand: podman rm -f --filter label=harness.stack). */
export const STACK_LABEL = 'harness.stack';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const TEMPO_PORTS: PortName[] = ['TEMPO_HTTP_PORT', 'TEMPO_OTLP_GRPC_PORT'];
const COLLECTOR_PORTS: PortName[] = [
  'COLLECTOR_OTLP_GRPC_PORT', 'COLLECTOR_OTLP_HTTP_PORT', 'COLLECTOR_HEALTH_PORT',
  'COLLECTOR_PROMETHEUS_PORT', 'COLLECTOR_TELEMETRY_PORT',
];
const PROMETHEUS_PORTS: PortName[] = ['PROMETHEUS_PORT'];
const IMAGES = ['tempo', 'otelcol', 'prometheus'] as const;

export function imageTags(): Record<(typeof IMAGES)[number], string> {
  const v = readVersions();
  return {
    tempo: `localhost/harness-tempo:${v.TEMPO_VERSION}`,
    otelcol: `localhost/harness-otelcol:${v.OTELCOL_VERSION}`,
    prometheus: `localhost/harness-prometheus:${v.PROMETHEUS_VERSION}`,
  };
}

/** Builds (or finds up to date) the Tempo, Collector and Prometheus images in the engine's storage. */
export function ensureImages(engine: ContainerEngine): void {
  for (const tool of IMAGES) requireTool(tool);
  const r = spawnSync(IMAGES_SCRIPT, [...IMAGES], {
    env: { ...engine.cliEnv, CONTAINER_ENGINE: engine.cli }, encoding: 'utf8', timeout: 300_000,
  });
  if (r.status !== 0) {
    throw new Error(`building the stack's images failed (${IMAGES_SCRIPT} ${IMAGES.join(' ')}, exit ${r.status}):\n${(r.stderr || r.error?.message || '').trim()}`);
  }
}

/** Environment of the config files inside the containers: same file, container addresses. */
export function containerConfigEnv(cfg: StackConfig): Record<string, string> {
  return {
    ...configEnv(cfg, '/var/tempo'),
    TEMPO_LISTEN_ADDR: '0.0.0.0',
    TEMPO_MEMBERLIST_ADDR: '127.0.0.1',
    COLLECTOR_LISTEN_ADDR: '0.0.0.0',
  };
}

/** What start() needs from testcontainers, loaded after the engine variables are set. */
type TC = typeof import('testcontainers');
type Started = Awaited<ReturnType<InstanceType<TC['GenericContainer']>['start']>>;

export interface ContainersStackOptions {
  /** Leave the containers running when this Node process exits (make stack-up); stack-down removes them. */
  detached?: boolean;
}

export class ContainersStackProvider implements StackProvider {
  readonly kind = 'containers' as const;
  private readonly detached: boolean;

  constructor(opts: ContainersStackOptions = {}) {
    this.detached = opts.detached ?? false;
  }

  async start(cfg: StackConfig): Promise<ContainersRunningStack> {
    for (const p of TEMPO_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `the Tempo container (${p})`);
    for (const p of COLLECTOR_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `the Collector container (${p})`);
    for (const p of PROMETHEUS_PORTS) await assertPortFree(cfg.host, cfg.ports[p], `the Prometheus container (${p})`);
    // Inside the shared network namespace the Collector is on loopback.
    const promConfig = preparePrometheusConfig(cfg.runDir, { ...containerConfigEnv(cfg), COLLECTOR_SCRAPE_HOST: '127.0.0.1' });
    const logDir = path.join(cfg.runDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    const t0 = performance.now();
    const engine = await startEngine(logDir);
    const stack = new ContainersRunningStack(endpointsFor(cfg), cfg, engine, this.detached);
    try {
      const t = performance.now();
      ensureImages(engine);
      stack.imagesMs = Math.round(performance.now() - t);
      // Loaded only now: testcontainers reads DOCKER_HOST and its own settings once, on first use.
      const tc = await import('testcontainers');
      const { GenericContainer, Wait } = tc;
      const env = containerConfigEnv(cfg);
      const tags = imageTags();
      const labels = { [STACK_LABEL]: 'containers', 'harness.run': cfg.runDir, 'harness.owner.pid': String(process.pid) };
      // Tempo's container owns the network namespace and publishes every port of the
      // stack; the Collector joins that namespace, like two containers of one pod.
      const tempo = publishOnLoopback(new GenericContainer(tags.tempo), [...TEMPO_PORTS, ...COLLECTOR_PORTS, ...PROMETHEUS_PORTS].map((p) => cfg.ports[p]))
        .withLabels(labels)
        .withEnvironment(env)
        .withCopyFilesToContainer([{ source: TEMPO_CONFIG, target: TEMPO_CONFIG_IN }])
        .withLogConsumer((s) => s.pipe(fs.createWriteStream(path.join(logDir, 'tempo.log'))))
        .withWaitStrategy(Wait.forHttp('/ready', cfg.ports.TEMPO_HTTP_PORT))
        .withStartupTimeout(cfg.readyTimeoutMs);
      const tempoStarted = await tempo.start();
      stack.containers.push(tempoStarted);
      // A container in another's namespace has no published ports of its own, so its
      // readiness is its log line ("Everything is ready": every pipeline started, which
      // a bad processor config prevents), then its health endpoint through Tempo's ports.
      const layersIn = (cfg.collectorLayers?.files ?? []).map((source, i) => ({ source, target: `/etc/otelcol/layer-${i + 1}.yaml` }));
      const collector = new GenericContainer(tags.otelcol)
        .withNetworkMode(`container:${tempoStarted.getId()}`)
        .withLabels(labels)
        .withEnvironment(env)
        .withCopyFilesToContainer([{ source: COLLECTOR_CONFIG, target: COLLECTOR_CONFIG_IN }, ...layersIn.map((l) => ({ source: l.source, target: l.target }))])
        .withCommand(collectorArgs(COLLECTOR_CONFIG_IN, cfg.collectorLayers && { files: layersIn.map((l) => l.target), featureGates: cfg.collectorLayers.featureGates }))
        .withLogConsumer((s) => s.pipe(fs.createWriteStream(path.join(logDir, 'otelcol.log'))))
        .withWaitStrategy(Wait.forLogMessage(COLLECTOR_READY_LINE))
        .withStartupTimeout(cfg.readyTimeoutMs);
      stack.containers.push(await collector.start());
      const health = `http://${cfg.host}:${cfg.ports.COLLECTOR_HEALTH_PORT}/`;
      await waitForHttpOk(health, { what: `the Collector container healthy at ${health}`, timeoutMs: cfg.readyTimeoutMs });
      const prometheus = new GenericContainer(tags.prometheus)
        .withNetworkMode(`container:${tempoStarted.getId()}`)
        .withLabels(labels)
        .withCommand(prometheusFlags(PROMETHEUS_CONFIG_IN, '/prometheus', `0.0.0.0:${cfg.ports.PROMETHEUS_PORT}`))
        .withCopyFilesToContainer([{ source: promConfig.configFile, target: PROMETHEUS_CONFIG_IN }])
        .withLogConsumer((s) => s.pipe(fs.createWriteStream(path.join(logDir, 'prometheus.log'))))
        .withWaitStrategy(Wait.forLogMessage(PROMETHEUS_READY_LINE))
        .withStartupTimeout(cfg.readyTimeoutMs);
      stack.containers.push(await prometheus.start());
      const ready = `${stack.endpoints.prometheusUrl}/-/ready`;
      await waitForHttpOk(ready, { what: `the Prometheus container ready at ${ready}`, timeoutMs: cfg.readyTimeoutMs });
      stack.readyMs = Math.round(performance.now() - t0);
      stack.release();
      return stack;
    } catch (err) {
      await stack.stop();
      throw err;
    }
  }
}

/**
 * Publishes each port on 127.0.0.1 under the same number inside and outside.
 * testcontainers binds published ports on every interface and offers no host-IP option,
 * so the port bindings are written on its create options directly.
 */
function publishOnLoopback<C extends InstanceType<TC['GenericContainer']>>(c: C, ports: number[]): C {
  c.withExposedPorts(...ports.map((p) => ({ container: p, host: p })));
  const hostConfig = (c as unknown as { hostConfig: { PortBindings?: Record<string, { HostIp?: string; HostPort: string }[]> } }).hostConfig;
  for (const p of ports) hostConfig.PortBindings![`${p}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: String(p) }];
  return c;
}

export class ContainersRunningStack implements RunningStack {
  readonly kind = 'containers' as const;
  readonly tempo = OWN_TEMPO_ACCESS;
  readyMs = 0;
  /** Time spent finding or building the images (part of readyMs). */
  imagesMs = 0;
  readonly endpoints: OwnStackEndpoints;
  readonly config: StackConfig;
  readonly engine: ContainerEngine;
  readonly containers: Started[] = [];
  private stopped: Promise<void> | undefined;
  private readonly onExit = (): void => this.forceRemove();
  /**
   * Ctrl-C: remove the containers at once. A library testcontainers loads (signal-exit)
   * re-raises a signal that no other listener holds, which kills the process before any
   * 'exit' listener runs; this listener holds it. The harness's own handler then ends the
   * process once its children stopped; with none of those left, this one does.
   */
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.forceRemove();
    if (liveProcesses().length === 0) process.exit(128 + (os.constants.signals[sig] ?? 0));
  };
  private removed = false;

  constructor(endpoints: OwnStackEndpoints, config: StackConfig, engine: ContainerEngine, detached = false) {
    this.endpoints = endpoints;
    this.config = config;
    this.engine = engine;
    // Without Ryuk nothing else removes the containers if this process is killed
    // mid-run (Ctrl-C): remove them synchronously on the way out, unless they are
    // meant to outlive it (make stack-up), and until start() has succeeded.
    process.once('exit', this.onExit);
    for (const sig of SIGNALS) process.on(sig, this.onSignal);
    this.detached = detached;
  }

  private readonly detached: boolean;

  /** Called once start() succeeded: a detached stack's containers now belong to stack-down. */
  release(): void {
    if (this.detached) this.unlisten();
  }

  /** Container ids, for tests that check nothing is left behind. */
  ids(): string[] {
    return this.containers.map((c) => c.getId());
  }

  /** Stops and removes the containers (Collector first, so it flushes to a running Tempo), then the engine service. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const c of [...this.containers].reverse()) {
        await c.stop({ timeout: CONTAINER_STOP_TIMEOUT_MS, remove: true }).catch((err: Error) =>
          process.stderr.write(`[harness] stopping container ${c.getName()}: ${err.message}\n`));
      }
      // A container whose start failed (a wait that timed out) was never returned to us.
      this.removeLeftovers();
      await this.engine.stop();
      this.unlisten();
    })();
    return this.stopped;
  }

  private unlisten(): void {
    process.removeListener('exit', this.onExit);
    for (const sig of SIGNALS) process.removeListener(sig, this.onSignal);
  }

  private forceRemove(): void {
    if (this.removed) return;
    this.removed = true;
    const ids = this.ids();
    // One at a time, the Collector first: it lives in Tempo's network namespace.
    for (const id of ids.reverse()) spawnSync(this.engine.cli, ['rm', '-f', id], { env: this.engine.cliEnv, stdio: 'ignore' });
    this.removeLeftovers();
  }

  /** Removes every container labelled with this run's folder. */
  private removeLeftovers(): void {
    const opts = { env: this.engine.cliEnv, encoding: 'utf8' as const, timeout: 30_000 };
    const ps = spawnSync(this.engine.cli, ['ps', '-aq', '--filter', `label=harness.run=${this.config.runDir}`], opts);
    // Newest first, so the Collector goes before the Tempo whose namespace it shares.
    const ids = (ps.stdout ?? '').split('\n').filter(Boolean);
    for (const id of ids) spawnSync(this.engine.cli, ['rm', '-f', id], { ...opts, stdio: 'ignore' });
  }
}
