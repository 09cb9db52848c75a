/** ml.post_processor: validates model output, repairs or re-invokes the model. */
import { loadPipelineConfig, serviceUrl } from '../config.ts';
import { Services } from '../semconv.ts';
import { runService } from '../service/run.ts';
import { telemetryFromEnv } from '../telemetry/env.ts';
import { postProcessorApp } from './service.ts';

const cfg = loadPipelineConfig();
const telemetry = telemetryFromEnv(Services.postProcessor);
const app = postProcessorApp({
  tracer: telemetry.tracer, meter: telemetry.meter, inferenceUrl: serviceUrl(cfg, cfg.INFERENCE_PORT),
  maxAttempts: cfg.MAX_VALIDATION_ATTEMPTS, timeoutMs: cfg.UPSTREAM_TIMEOUT_MS, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
});
await runService({ name: Services.postProcessor, app, host: cfg.PIPELINE_HOST, port: cfg.POST_PROCESSOR_PORT, telemetry, graceMs: cfg.SHUTDOWN_GRACE_MS });
