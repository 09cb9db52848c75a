import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './tools.ts';

/** Default ports; every one can be overridden by its environment variable, and all
 * of them shifted together with HARNESS_PORT_OFFSET (tests run beside a user's stack). */
export const DEFAULT_PORTS = {
  TEMPO_HTTP_PORT: 3200,
  TEMPO_GRPC_PORT: 9095,
  TEMPO_OTLP_GRPC_PORT: 4417,
  TEMPO_MEMBERLIST_PORT: 7946,
  COLLECTOR_OTLP_GRPC_PORT: 4317,
  COLLECTOR_OTLP_HTTP_PORT: 4318,
  COLLECTOR_HEALTH_PORT: 13133,
  COLLECTOR_PROMETHEUS_PORT: 8889,
  COLLECTOR_TELEMETRY_PORT: 8888,
  PROMETHEUS_PORT: 9090,
} as const;
export type PortName = keyof typeof DEFAULT_PORTS;

/** Where Prometheus takes remote writes (Tempo's metrics-generator); needs --web.enable-remote-write-receiver. */
export const PROMETHEUS_REMOTE_WRITE_PATH = '/api/v1/write';

/** The seed's decision_wait; tests shorten it so that a run takes seconds. */
export const DEFAULT_DECISION_WAIT = '10s';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/**
 * The Tempo tenants the verdict reads, by role: every span (the Collector's traces/full
 * pipeline), what the seed's policies kept, what the harness's kept. The harness's own
 * stacks use these names (docker/otelcol/config.yaml); STACK=external maps them to a team's.
 */
export const HARNESS_TENANTS = { full: 'full', seed: 'sampled', harness: 'sampled-harness' } as const satisfies Record<string, string>;
export type TenantRole = keyof typeof HARNESS_TENANTS;

const port = z.coerce.number().int().min(1).max(65535);
const duration = z.string().regex(/^\d+(ms|s|m)$/, 'a duration like 500ms, 2s or 1m');

const schema = z.object({
  HARNESS_HOST: z.literal('127.0.0.1').or(z.literal('localhost')).default('127.0.0.1'),
  HARNESS_PORT_OFFSET: z.coerce.number().int().min(0).max(50_000).default(0),
  HARNESS_RUN_DIR: z.string().min(1).optional(),
  TAIL_DECISION_WAIT: duration.default(DEFAULT_DECISION_WAIT),
  STACK_READY_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(DEFAULT_READY_TIMEOUT_MS),
  ...Object.fromEntries(Object.keys(DEFAULT_PORTS).map((k) => [k, port.optional()])),
});

export interface StackConfig {
  host: string;
  ports: Record<PortName, number>;
  runDir: string;
  decisionWait: string;
  readyTimeoutMs: number;
  /**
   * Configuration layers loaded after docker/otelcol/config.yaml (each a further --config,
   * whose maps extend the base), and feature gates to turn on: the sampling lab's policy sets.
   */
  collectorLayers?: { files: string[]; featureGates: string[] };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the stack settings from the environment, with one clear message per bad variable. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<StackConfig> = {}): StackConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid stack settings in the environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data as Record<string, unknown> & z.infer<typeof schema>;
  const ports = Object.fromEntries(
    (Object.keys(DEFAULT_PORTS) as PortName[]).map((k) => [k, (e[k] as number | undefined) ?? DEFAULT_PORTS[k] + e.HARNESS_PORT_OFFSET]),
  ) as Record<PortName, number>;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    host: e.HARNESS_HOST,
    ports,
    runDir: path.resolve(e.HARNESS_RUN_DIR ?? path.join(REPO_ROOT, '.runs', stamp)),
    decisionWait: e.TAIL_DECISION_WAIT,
    readyTimeoutMs: e.STACK_READY_TIMEOUT_MS,
    ...overrides,
  };
}

/** Environment of the Tempo, Collector and Prometheus config files (docker/tempo, docker/otelcol, docker/prometheus). */
export function configEnv(cfg: StackConfig, tempoDataDir: string): Record<string, string> {
  const p = cfg.ports;
  return {
    TEMPO_LISTEN_ADDR: cfg.host,
    TEMPO_MEMBERLIST_ADDR: cfg.host,
    TEMPO_DATA_DIR: tempoDataDir,
    TEMPO_OTLP_ENDPOINT: `${cfg.host}:${p.TEMPO_OTLP_GRPC_PORT}`,
    COLLECTOR_LISTEN_ADDR: cfg.host,
    COLLECTOR_SCRAPE_HOST: cfg.host,
    TAIL_DECISION_WAIT: cfg.decisionWait,
    TEMPO_REMOTE_WRITE_URL: `http://${cfg.host}:${p.PROMETHEUS_PORT}${PROMETHEUS_REMOTE_WRITE_PATH}`,
    ...Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])),
  };
}
