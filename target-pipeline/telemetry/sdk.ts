/**
 * OpenTelemetry set-up shared by every pipeline service: traces and metrics over
 * OTLP/HTTP to the Collector, the contract's resource attributes, W3C trace context.
 * No auto-instrumentation: every span the pipeline emits is one of the contract's,
 * so the span set of a trace is known exactly (the "no span lost" checks rely on it).
 */
import { diag, DiagLogLevel, metrics, trace, type DiagLogger, type Meter, type Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Metrics, ResourceAttr } from '../semconv.ts';

/**
 * Spans reach the Collector within this delay, so a run's traces are queryable in seconds.
 * Each export has a fixed cost (an HTTP request here, a request and a batch in the
 * Collector, a push to Tempo) whatever the spans it carries, and on the bench's two cores
 * that cost competes with the requests: at 200 ms it was about half of tracing's CPU per
 * request at 10/s. 500 ms was measured against 200 ms side by side (make bench-overhead with
 * BENCH_OFF_ENV, README "Benchmarks") and kept; 1000 ms saves more, but every trace
 * becomes queryable that much later, and every wait on Tempo grows with it.
 */
export const SPAN_EXPORT_DELAY_MS = 500;
/** Spans per export request at most; a fuller queue exports at once, before the delay is up. */
export const SPAN_EXPORT_BATCH_SIZE = 512;
export const SPAN_QUEUE_SIZE = 16_384;
export const METRIC_EXPORT_INTERVAL_MS = 2_000;
/**
 * How long one export may take before the SDK gives up on it and drops its spans: the
 * OpenTelemetry default (OTEL_EXPORTER_OTLP_TIMEOUT). A shorter bound dropped whole batches
 * when the Collector was starved of CPU for a moment; the stop stays bounded by its own flush
 * deadline (service/run.ts).
 */
export const EXPORT_TIMEOUT_MS = 10_000;
/** What the SDK's own diagnostics are printed with: its errors are how a dropped export shows. */
export const SDK_DIAG_PREFIX = 'OpenTelemetry SDK:';
/** Latency buckets (ms) for the per-stage histograms: cache hits (<2 ms) to cold starts (seconds). */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 800, 1200, 2000, 5000];
export const ATTEMPT_BUCKETS = [1, 2, 3, 4];

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  pipelineName: string;
  /** Base URL of the Collector's OTLP/HTTP receiver, e.g. http://127.0.0.1:4318. */
  otlpHttpUrl: string;
  /** false: no exporter at all (the "tracing off" side of the overhead benchmark). */
  enabled: boolean;
  /** How spans are batched for export (defaults SPAN_EXPORT_DELAY_MS, SPAN_EXPORT_BATCH_SIZE). */
  spanExport?: { delayMs: number; batchSize: number };
  /**
   * 'discard': spans are made and batched as usual, and each batch is dropped instead of
   * sent. With `metrics: false` this is a pipeline that pays for making its telemetry and
   * not for shipping it: the bench tells the two costs apart with it. Never for a real run.
   */
  spanSink?: 'otlp' | 'discard';
  /** false: no metric reader, so instruments are the API's no-ops (default true). */
  metrics?: boolean;
}

/** Drops every batch it is given, reporting success: what shipping costs is left out. */
const DISCARDING_EXPORTER: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
  forceFlush: async () => {},
};

export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  /** Exports everything buffered; used before exit and by tests. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (!opts.enabled) {
    return {
      tracer: trace.getTracer(opts.serviceName),
      meter: metrics.getMeter(opts.serviceName),
      flush: async () => {},
      shutdown: async () => {},
    };
  }
  // An export the SDK gives up on (timed out, refused) drops its spans and says so only
  // through diag, which prints nothing until a logger is set: without one a lost batch is silent.
  diag.setLogger(sdkDiagLogger(opts.serviceName), { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  const base = opts.otlpHttpUrl.replace(/\/+$/, '');
  const spanProcessor = new BatchSpanProcessor({
    exporter: opts.spanSink === 'discard' ? DISCARDING_EXPORTER : new OTLPTraceExporter({ url: `${base}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS }),
    scheduledDelayMillis: opts.spanExport?.delayMs ?? SPAN_EXPORT_DELAY_MS,
    maxQueueSize: SPAN_QUEUE_SIZE,
    maxExportBatchSize: opts.spanExport?.batchSize ?? SPAN_EXPORT_BATCH_SIZE,
  });
  const metricReader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, timeoutMillis: EXPORT_TIMEOUT_MS }),
    exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS,
  });
  const sdk = new NodeSDK({
    autoDetectResources: false,
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: opts.serviceName,
      [ResourceAttr.serviceVersion]: opts.serviceVersion,
      [ResourceAttr.deploymentEnvironment]: opts.environment,
      [ResourceAttr.pipelineName]: opts.pipelineName,
    }),
    spanProcessors: [spanProcessor],
    // An empty list, not an absent one: absent, the SDK reads OTEL_METRICS_EXPORTER and makes a reader of its own.
    metricReaders: opts.metrics === false ? [] : [metricReader],
    views: [
      {
        instrumentName: Metrics.validationAttempts,
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: ATTEMPT_BUCKETS } },
      },
      {
        instrumentName: '*_ms',
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: LATENCY_BUCKETS_MS } },
      },
    ],
    instrumentations: [],
  });
  sdk.start();
  return {
    tracer: trace.getTracer(opts.serviceName, opts.serviceVersion),
    meter: metrics.getMeter(opts.serviceName, opts.serviceVersion),
    flush: async () => {
      await spanProcessor.forceFlush();
      if (opts.metrics !== false) await metricReader.forceFlush();
    },
    shutdown: () => sdk.shutdown(),
  };
}

/** The SDK's errors on the service's stderr (its log), named as the service's own. */
function sdkDiagLogger(serviceName: string): DiagLogger {
  const print = (message: string, ...args: unknown[]) => console.error(`${serviceName}: ${SDK_DIAG_PREFIX} ${message}`, ...args);
  const ignore = () => {};
  return { error: print, warn: print, info: ignore, debug: ignore, verbose: ignore };
}
