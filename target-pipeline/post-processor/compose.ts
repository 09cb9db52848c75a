import { serviceUrl } from '../config.ts';
import { Services } from '../semconv.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import { postProcessorApp } from './service.ts';

export type PostProcessorComponents = Record<string, never>;

/** ml.post_processor: validates model output, repairs or re-invokes the model. */
export const postProcessorService: ServiceDefinition<PostProcessorComponents> = {
  id: 'post-processor',
  serviceName: Services.postProcessor,
  port: (cfg) => cfg.POST_PROCESSOR_PORT,
  compose: async () => ({}),
  app: (cfg, telemetry) => postProcessorApp({
    tracer: telemetry.tracer, meter: telemetry.meter, inferenceUrl: serviceUrl(cfg, cfg.INFERENCE_PORT),
    maxAttempts: cfg.MAX_VALIDATION_ATTEMPTS, timeoutMs: cfg.UPSTREAM_TIMEOUT_MS, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
  }),
};
