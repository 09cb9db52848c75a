import { serviceUrl } from '../config.ts';
import { ensureAssets } from '../model/assets.ts';
import { Services } from '../semconv.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import { postProcessorApp } from './service.ts';
import { createOutputValidator, type OutputValidator } from './validate.ts';

export interface PostProcessorComponents {
  /** The output schema of the model the inference service serves (same ASSETS_DIR). */
  validator: OutputValidator;
}

/** ml.post_processor: validates model output, repairs or re-invokes the model. */
export const postProcessorService: ServiceDefinition<PostProcessorComponents> = {
  id: 'post-processor',
  serviceName: Services.postProcessor,
  port: (cfg) => cfg.POST_PROCESSOR_PORT,
  // The labels are read from the same folder the inference service serves. ensureAssets,
  // not a bare manifest read: on a first start the generated folder may not exist yet,
  // and its build is deterministic, so two services building it at once write the same bytes.
  compose: async (cfg) => ({ validator: createOutputValidator((await ensureAssets(cfg.ASSETS_DIR)).labels) }),
  app: (cfg, telemetry, c) => postProcessorApp({
    tracer: telemetry.tracer, meter: telemetry.meter, inferenceUrl: serviceUrl(cfg, cfg.INFERENCE_PORT),
    validator: c.validator,
    maxAttempts: cfg.MAX_VALIDATION_ATTEMPTS, timeoutMs: cfg.UPSTREAM_TIMEOUT_MS, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
  }),
};
