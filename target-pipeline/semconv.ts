/**
 * The span contract: every span, attribute, event and metric name the pipeline emits,
 * defined once. Names are the seed articles' names verbatim (see DESIGN.md); the
 * pipeline, the tests and the TraceQL queries all import them from here, so a renamed
 * attribute breaks the build instead of silently breaking detection.
 */

export const Services = {
  gateway: 'ml.api_gateway',
  featureExtractor: 'ml.feature_extractor',
  inference: 'ml.inference',
  postProcessor: 'ml.post_processor',
} as const;
export type ServiceName = (typeof Services)[keyof typeof Services];

export const ResourceAttr = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  deploymentEnvironment: 'deployment.environment',
  pipelineName: 'ml.pipeline.name',
} as const;

export const Spans = {
  pipelineRequest: 'ml.pipeline.request',
  inputValidation: 'ml.input_validation',
  featureExtraction: 'ml.feature_extraction',
  cacheLookup: 'cache_lookup',
  dbFallback: 'db_fallback',
  batchAssembly: 'ml.batch_assembly',
  tokenizerInit: 'tokenizer_init',
  modelLoad: 'ml.model.load',
  inference: 'ml.inference',
  postProcessing: 'ml.post_processing',
} as const;
export type SpanName = (typeof Spans)[keyof typeof Spans];

export const Attr = {
  // root span (gateway)
  requestId: 'ml.request.id',
  modelName: 'ml.model.name',
  inputType: 'ml.input.type',
  inputSizeBytes: 'ml.input.size_bytes',
  clientId: 'ml.client.id',
  outputTokens: 'ml.output.tokens',
  pipelineSuccess: 'ml.pipeline.success',
  pipelineLatencyMs: 'ml.pipeline.latency_ms',
  // input validation
  validationReason: 'ml.input_validation.reason',
  validationField: 'ml.input_validation.field',
  // feature extraction
  featuresRequested: 'ml.features.requested_count',
  featuresCacheHits: 'ml.features.cache_hits',
  featuresCacheMisses: 'ml.features.cache_misses',
  featuresCacheHitRate: 'ml.features.cache_hit_rate',
  featuresCacheLookupMs: 'ml.features.cache_lookup_ms',
  featuresDbLookupMs: 'ml.features.db_lookup_ms',
  featuresUnavailable: 'ml.features.unavailable_count',
  featuresRetrieved: 'ml.features.retrieved_count',
  // batch assembly and tokenizer
  batchSize: 'ml.batch.size',
  batchMaxSeqLen: 'ml.batch.max_seq_len',
  batchWaitMs: 'ml.batch.wait_ms',
  tokensInput: 'ml.tokens.input_count',
  tokensTruncated: 'ml.tokens.truncated',
  tokenizerLoadMs: 'ml.tokenizer.load_ms',
  tokenizerVocabSize: 'ml.tokenizer.vocab_size',
  // model load
  modelLoadState: 'ml.model.load_state',
  // inference
  modelVersion: 'ml.model.version',
  deviceType: 'ml.device.type',
  deviceId: 'ml.device.id',
  queueWaitMs: 'ml.inference.queue_wait_ms',
  forwardPassMs: 'ml.inference.forward_pass_ms',
  gpuMemoryAllocatedMb: 'ml.gpu.memory_allocated_mb',
  gpuMemoryReservedMb: 'ml.gpu.memory_reserved_mb',
  // post-processing
  validationAttempts: 'ml.post_processing.validation_attempts',
  outputValid: 'ml.output.valid',
  outputRequiredRepair: 'ml.output.required_repair',
} as const;
export type AttrName = (typeof Attr)[keyof typeof Attr];

/**
 * OpenTelemetry HTTP semantic conventions (stable), set on each service's entry span
 * (kind SERVER) beside the contract's own attributes.
 */
/** HTTP semantic conventions (stable), on each service's SERVER span and each outgoing CLIENT span. */
export const HttpAttr = {
  requestMethod: 'http.request.method',
  route: 'http.route',
  responseStatusCode: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  urlFull: 'url.full',
  urlTemplate: 'url.template',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
} as const;

/** The routes between the services; their templates name the HTTP spans. */
export const Routes = {
  predict: '/predict',
  features: '/features',
  infer: '/infer',
  postprocess: '/postprocess',
} as const;

/** An HTTP span's name as the conventions give it: `{method} {route or url.template}`. */
export function httpSpanName(method: string, route: string): string {
  return `${method} ${route}`;
}

export const Events = {
  featuresUnavailable: 'ml.features.unavailable',
  highQueueWait: 'ml.inference.high_queue_wait',
  validationFailed: 'ml.output.validation_failed',
  slowTokenization: 'ml.tokenizer.slow_tokenization',
} as const;

export const EventAttr = {
  count: 'count',
  sampleIds: 'sample_ids',
  queueWaitMs: 'queue_wait_ms',
  batchSize: 'batch_size',
  attempt: 'attempt',
  reason: 'reason',
  field: 'field',
  durationMs: 'duration_ms',
} as const;

/** Values of ml.model.load_state. */
export const ModelLoadState = { cold: 'cold', warm: 'warm' } as const;

/** The queue wait over which ml.inference.high_queue_wait fires (seed: 200 ms). */
export const HIGH_QUEUE_WAIT_MS = 200;

/**
 * Metric instrument names; the Prometheus exporter turns dots into underscores, giving the
 * seed's names (ml_feature_extraction_db_lookup_ms_bucket...). They carry no OTel unit:
 * the names already end in _ms, and a unit would make the exporter append _milliseconds.
 */
export const Metrics = {
  dbLookupMs: 'ml.feature_extraction.db_lookup_ms',
  validationAttempts: 'ml.post_processing.validation_attempts',
  stageDurationMs: 'ml.stage.duration_ms',
  pipelineLatencyMs: 'ml.pipeline.latency_ms',
  queueWaitMs: 'ml.inference.queue_wait_ms',
  forwardPassMs: 'ml.inference.forward_pass_ms',
  tokenizerInits: 'ml.tokenizer.inits',
} as const;

/** Header the gateway returns with the W3C traceresponse value. */
export const TRACE_RESPONSE_HEADER = 'traceresponse';
/** The gateway's id for a request (the ml.request.id attribute), also sent to the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The spans every successful request makes, whatever path it took (db_fallback comes with
 * a cache miss, tokenizer_init with a rebuild, a second inference with a re-invocation).
 * `POST /infer` is there twice: the gateway's CLIENT span and the inference service's SERVER span.
 */
export const EVERY_REQUEST_SPANS: readonly string[] = [
  Spans.pipelineRequest, Spans.inputValidation,
  httpSpanName('POST', Routes.features), Spans.featureExtraction, Spans.cacheLookup,
  httpSpanName('POST', Routes.infer), httpSpanName('POST', Routes.infer), Spans.batchAssembly, Spans.inference,
  httpSpanName('POST', Routes.postprocess), Spans.postProcessing,
];
