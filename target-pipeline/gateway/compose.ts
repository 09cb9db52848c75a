import { serviceUrl } from '../config.ts';
import { Services } from '../semconv.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import { gatewayApp } from './service.ts';

/** The gateway holds no components of its own: it validates and calls the other three. */
export type GatewayComponents = Record<string, never>;

export const gatewayService: ServiceDefinition<GatewayComponents> = {
  id: 'gateway',
  serviceName: Services.gateway,
  port: (cfg) => cfg.GATEWAY_PORT,
  compose: async () => ({}),
  app: (cfg, telemetry) => gatewayApp({
    tracer: telemetry.tracer, meter: telemetry.meter,
    modelName: cfg.MODEL_NAME, maxInputChars: cfg.MAX_INPUT_CHARS, maxFeatureIds: cfg.MAX_FEATURE_IDS,
    maxBodyBytes: cfg.MAX_BODY_BYTES, timeoutMs: cfg.UPSTREAM_TIMEOUT_MS,
    urls: {
      featureExtractor: serviceUrl(cfg, cfg.FEATURE_EXTRACTOR_PORT),
      inference: serviceUrl(cfg, cfg.INFERENCE_PORT),
      postProcessor: serviceUrl(cfg, cfg.POST_PROCESSOR_PORT),
    },
  }),
};
