/**
 * The pipeline's services, dependencies first and the gateway (the front door) last,
 * their entry scripts and the setting that holds each one's port.
 */
export const PIPELINE_SERVICES = [
  { id: 'feature-extractor', script: 'target-pipeline/feature-extractor/main.ts', port: 'FEATURE_EXTRACTOR_PORT' },
  { id: 'inference', script: 'target-pipeline/inference/main.ts', port: 'INFERENCE_PORT' },
  { id: 'post-processor', script: 'target-pipeline/post-processor/main.ts', port: 'POST_PROCESSOR_PORT' },
  { id: 'gateway', script: 'target-pipeline/gateway/main.ts', port: 'GATEWAY_PORT' },
] as const;

export type PipelineServiceId = (typeof PIPELINE_SERVICES)[number]['id'];
export const PIPELINE_SERVICE_IDS = PIPELINE_SERVICES.map((s) => s.id) as readonly PipelineServiceId[];

/** What every service prints once it accepts connections (see service/run.ts). */
export const LISTENING_LINE = /^LISTENING (\d+)$/m;
