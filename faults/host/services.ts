import { featureExtractorService } from '../../target-pipeline/feature-extractor/compose.ts';
import { gatewayService } from '../../target-pipeline/gateway/compose.ts';
import { inferenceService } from '../../target-pipeline/inference/compose.ts';
import { postProcessorService } from '../../target-pipeline/post-processor/compose.ts';
import type { ServiceDefinition } from '../../target-pipeline/service/definition.ts';
import type { PipelineServiceId } from '../../target-pipeline/services.ts';

/** Each pipeline service's definition, by id: what the fault host composes and serves. */
export const SERVICE_DEFINITIONS: Record<PipelineServiceId, ServiceDefinition<any>> = {
  'feature-extractor': featureExtractorService,
  inference: inferenceService,
  'post-processor': postProcessorService,
  gateway: gatewayService,
};
