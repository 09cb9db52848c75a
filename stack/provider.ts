import { ConfigError, HARNESS_TENANTS, type StackConfig, type TenantRole } from './config.ts';

/**
 * Where the pieces of a running stack answer. The harness's own stacks have them all;
 * a team's (STACK=external) has the first two, and Prometheus when given: what is
 * absent is what the verdict reports as not measured, never a guessed URL.
 */
export interface StackEndpoints {
  /** Tempo's HTTP API (search, trace by id, TraceQL metrics). */
  tempoUrl: string;
  /** OTLP/HTTP of the Collector (what the pipeline and k6 export to). */
  otlpHttpUrl: string;
  /** OTLP/gRPC of the Collector. */
  otlpGrpcUrl?: string;
  /** Prometheus exporter of the Collector: the pipeline's OTel metrics. */
  metricsUrl?: string;
  /** The Collector's own telemetry (tail-sampling counters). */
  collectorTelemetryUrl?: string;
  /** Prometheus's HTTP API: scrapes both of the above, evaluates docker/prometheus/rules.yml. */
  prometheusUrl?: string;
}

/** The harness's own stacks have every endpoint. */
export type OwnStackEndpoints = Required<StackEndpoints>;

/** How every Tempo call of the verdict is made: the tenant of each role, and the headers each call carries (auth). */
export interface TempoAccess {
  tenants: Record<TenantRole, string>;
  headers: Record<string, string>;
}

/** The harness's own Tempo: its tenant names, no auth. */
export const OWN_TEMPO_ACCESS: TempoAccess = { tenants: HARNESS_TENANTS, headers: {} };

/**
 * An endpoint only the harness's own stacks have; `what` names the part that needs it,
 * so STACK=external fails with what it cannot do instead of an undefined URL.
 */
export function ownEndpoint(stack: Pick<RunningStack, 'endpoints' | 'kind'>, key: keyof StackEndpoints, what: string): string {
  const url = stack.endpoints[key];
  if (url === undefined) throw new ConfigError(`${what} needs ${key}, which a STACK=${stack.kind} stack does not have (run it on STACK=local or containers)`);
  return url;
}

export interface RunningStack {
  readonly kind: StackKind;
  readonly endpoints: StackEndpoints;
  readonly tempo: TempoAccess;
  readonly config: StackConfig;
  /** Milliseconds from start() until every component answered ready. */
  readonly readyMs: number;
  /** Stops every component it started; safe to call twice. */
  stop(): Promise<void>;
}

export type StackKind = 'local' | 'containers' | 'external';

/** One way of running Tempo, the Collector and Prometheus: local processes, containers, or a team's own (started by nobody here). */
export interface StackProvider {
  readonly kind: StackKind;
  /** Starts the components, waits until each is ready, and returns them running. */
  start(config: StackConfig): Promise<RunningStack>;
}

export function endpointsFor(cfg: StackConfig): OwnStackEndpoints {
  const h = cfg.host;
  const p = cfg.ports;
  return {
    tempoUrl: `http://${h}:${p.TEMPO_HTTP_PORT}`,
    otlpHttpUrl: `http://${h}:${p.COLLECTOR_OTLP_HTTP_PORT}`,
    otlpGrpcUrl: `http://${h}:${p.COLLECTOR_OTLP_GRPC_PORT}`,
    metricsUrl: `http://${h}:${p.COLLECTOR_PROMETHEUS_PORT}/metrics`,
    collectorTelemetryUrl: `http://${h}:${p.COLLECTOR_TELEMETRY_PORT}/metrics`,
    prometheusUrl: `http://${h}:${p.PROMETHEUS_PORT}`,
  };
}
