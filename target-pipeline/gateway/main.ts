/** ml.api_gateway: POST /predict, and (when fault injection is on) the fault admin API. */
import { loadPipelineConfig, serviceUrl } from '../config.ts';
import { Ledger } from '../../faults/ledger.ts';
import { startAdminApi } from '../../faults/admin/gateway-admin.ts';
import { Services } from '../semconv.ts';
import { runService } from '../service/run.ts';
import { telemetryFromEnv } from '../telemetry/env.ts';
import { gatewayApp } from './service.ts';

const cfg = loadPipelineConfig();
const telemetry = telemetryFromEnv(Services.gateway);
const ledger = new Ledger();
const admin = await startAdminApi(cfg, ledger);
const app = gatewayApp({
  tracer: telemetry.tracer, meter: telemetry.meter, ledger,
  modelName: cfg.MODEL_NAME, maxInputChars: cfg.MAX_INPUT_CHARS, maxFeatureIds: cfg.MAX_FEATURE_IDS,
  maxBodyBytes: cfg.MAX_BODY_BYTES, timeoutMs: cfg.UPSTREAM_TIMEOUT_MS,
  urls: {
    featureExtractor: serviceUrl(cfg, cfg.FEATURE_EXTRACTOR_PORT),
    inference: serviceUrl(cfg, cfg.INFERENCE_PORT),
    postProcessor: serviceUrl(cfg, cfg.POST_PROCESSOR_PORT),
  },
});
await runService({
  name: Services.gateway, app, host: cfg.PIPELINE_HOST, port: cfg.GATEWAY_PORT, telemetry,
  graceMs: cfg.SHUTDOWN_GRACE_MS, extraServers: [admin],
});
