import { z } from 'zod';
import { SPAN_EXPORT_BATCH_SIZE, SPAN_EXPORT_DELAY_MS, SPAN_QUEUE_SIZE, startTelemetry, type Telemetry } from './sdk.ts';

export const DEFAULT_OTLP_HTTP_URL = 'http://127.0.0.1:4318';
export const DEFAULT_ENVIRONMENT = 'harness';
export const DEFAULT_PIPELINE_NAME = 'ml-inference';
export const DEFAULT_SERVICE_VERSION = '0.1.0';

const schema = z.object({
  HARNESS_OTLP_HTTP_URL: z.url({ message: 'an http(s) URL of the Collector OTLP/HTTP receiver' }).default(DEFAULT_OTLP_HTTP_URL),
  HARNESS_TRACING: z.enum(['on', 'off']).default('on'),
  SERVICE_VERSION: z.string().min(1).default(DEFAULT_SERVICE_VERSION),
  DEPLOYMENT_ENVIRONMENT: z.string().min(1).default(DEFAULT_ENVIRONMENT),
  ML_PIPELINE_NAME: z.string().min(1).default(DEFAULT_PIPELINE_NAME),
  /** How long a span waits in the batch before it is exported, ms (the bench compares settings with it). */
  HARNESS_SPAN_EXPORT_DELAY_MS: z.coerce.number().int().min(1).max(60_000).default(SPAN_EXPORT_DELAY_MS),
  HARNESS_SPAN_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(SPAN_QUEUE_SIZE).default(SPAN_EXPORT_BATCH_SIZE),
  /** Bench only: 'discard' makes and batches spans but drops each batch (make bench-overhead tells making from shipping with it). */
  HARNESS_SPAN_SINK: z.enum(['otlp', 'discard']).default('otlp'),
  /** Bench only: 'off' leaves the metric instruments as no-ops. */
  HARNESS_METRICS: z.enum(['on', 'off']).default('on'),
});

/** Telemetry for one service, configured from the environment (validated, named errors). */
export function telemetryFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${serviceName}: invalid telemetry settings: ${issues}`);
  }
  const e = parsed.data;
  return startTelemetry({
    serviceName,
    serviceVersion: e.SERVICE_VERSION,
    environment: e.DEPLOYMENT_ENVIRONMENT,
    pipelineName: e.ML_PIPELINE_NAME,
    otlpHttpUrl: e.HARNESS_OTLP_HTTP_URL,
    enabled: e.HARNESS_TRACING === 'on',
    spanExport: { delayMs: e.HARNESS_SPAN_EXPORT_DELAY_MS, batchSize: e.HARNESS_SPAN_EXPORT_BATCH_SIZE },
    spanSink: e.HARNESS_SPAN_SINK,
    metrics: e.HARNESS_METRICS === 'on',
  });
}
