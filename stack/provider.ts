import type { StackConfig } from './config.ts';

/** Where the pieces of a running stack answer. */
export interface StackEndpoints {
  /** Tempo's HTTP API (search, trace by id, TraceQL metrics). */
  tempoUrl: string;
  /** OTLP/HTTP of the Collector (what the pipeline and k6 export to). */
  otlpHttpUrl: string;
  /** OTLP/gRPC of the Collector. */
  otlpGrpcUrl: string;
  /** Prometheus exporter of the Collector: the pipeline's OTel metrics. */
  metricsUrl: string;
  /** The Collector's own telemetry (tail-sampling counters). */
  collectorTelemetryUrl: string;
  /** Prometheus's HTTP API: scrapes both of the above, evaluates docker/prometheus/rules.yml. */
  prometheusUrl: string;
}

export interface RunningStack {
  readonly endpoints: StackEndpoints;
  readonly config: StackConfig;
  /** Milliseconds from start() until every component answered ready. */
  readonly readyMs: number;
  /** Stops every component it started; safe to call twice. */
  stop(): Promise<void>;
}

/** One way of running Tempo, the Collector and Prometheus: local processes or containers. */
export interface StackProvider {
  readonly kind: 'local' | 'containers';
  /** Starts the components, waits until each is ready, and returns them running. */
  start(config: StackConfig): Promise<RunningStack>;
}

export function endpointsFor(cfg: StackConfig): StackEndpoints {
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
