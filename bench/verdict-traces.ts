/**
 * Hand-made traces of the pipeline's shape, with the ledger that matches them, for the
 * verdict-scale bench: the span names, kinds, parentage and attributes of a real request
 * (target-pipeline/semconv.ts), stage times drawn around those the pipeline shows on this
 * machine, and each fault's natural signal on exactly the requests the ledger says it hit
 * (a db_fallback span, a queue wait longer than the forward pass, two or more validation
 * attempts, a tokenizer_init span). Everything is drawn from the seed and the request's
 * index, so request i is the same whenever and however often it is generated.
 */
import type { LedgerEntry } from '../faults/ledger.ts';
import { FAULT_NAMES, type FaultName } from '../faults/registry.ts';
import type { OtlpAttribute, OtlpSpan, OtlpTrace } from '../assertions/tempo/client.ts';
import { mulberry32 } from '../target-pipeline/model/prng.ts';
import {
  Attr, EventAttr, Events, HIGH_QUEUE_WAIT_MS, HttpAttr, httpSpanName, ResourceAttr, Routes, Services, Spans, type ServiceName,
} from '../target-pipeline/semconv.ts';

/** Share of requests each fault hits, drawn independently (a request can carry several, as in `mixed`). */
export const DEFAULT_FAULT_FRACTIONS: Record<FaultName, number> = {
  'cache-eviction': 0.1, 'gpu-starvation': 0.1, 'output-corruption': 0.1, 'tokenizer-reload': 0.05,
};
export const PIPELINE_NAME = 'intent-encoder';
export const MODEL_NAME = 'all-MiniLM-L6-v2';
/** The generated stage times, in ms (ranges around what the served model shows on the 2-core machine). */
export const TIMING = {
  forwardPass: [10, 16], cacheLookup: [0.1, 0.6], dbLookup: [20, 80], tokenize: [0.2, 1],
  tokenizerInit: [40, 120], extraQueueWait: [40, 350], postProcess: [0.5, 2], hop: [0.2, 0.8],
} as const satisfies Record<string, readonly [number, number]>;
/** Ends the last span this long before the batch is sent: nothing is pushed before it ended. */
export const END_SLACK_MS = 1_000;

const KIND = { internal: 1, server: 2, client: 3 } as const;

export interface GeneratedRequest {
  entry: LedgerEntry;
  /** The request's spans, by the service that emits them. */
  spans: Map<ServiceName, OtlpSpan[]>;
}

export interface TraceGenOptions {
  seed: number;
  fractions?: Record<FaultName, number>;
}

/** A stream of 32-bit draws for request `index` of run `seed`, independent of every other request's. */
function rngFor(seed: number, index: number): () => number {
  return mulberry32(((seed >>> 0) * 0x9e3779b1 + index * 0x85ebca6b + 1) >>> 0);
}

const hex = (next: () => number, bytes: number): string => {
  let s = '';
  for (let i = 0; i < bytes; i += 4) s += (Math.floor(next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
  return s.slice(0, bytes * 2);
};

const attr = (key: string, v: string | number | boolean, double = false): OtlpAttribute => ({
  key,
  value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : double ? { doubleValue: v } : { intValue: String(v) },
});
const ms3 = (x: number) => Math.round(x * 1000) / 1000;
const ns = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** The faults request `index` carries: each drawn alone against its fraction. */
export function faultsOf(opts: TraceGenOptions, index: number): FaultName[] {
  const fractions = opts.fractions ?? DEFAULT_FAULT_FRACTIONS;
  const next = rngFor(opts.seed ^ 0x5bd1e995, index);
  return FAULT_NAMES.filter((f) => next() < (fractions[f] ?? 0));
}

/** Request `index`, its root span starting at `startMs` (epoch ms). */
export function generateRequest(opts: TraceGenOptions, index: number, startMs: number): GeneratedRequest {
  const next = rngFor(opts.seed, index);
  const draw = (r: readonly [number, number]) => r[0] + (r[1] - r[0]) * next();
  const faults = faultsOf(opts, index);
  const has = (f: FaultName) => faults.includes(f);
  const traceId = hex(next, 16);
  const requestId = hex(next, 8);
  const spans = new Map<ServiceName, OtlpSpan[]>(Object.values(Services).map((s) => [s, []]));
  const add = (service: ServiceName, s: Omit<OtlpSpan, 'traceId' | 'spanId' | 'startTimeUnixNano' | 'endTimeUnixNano'> & { start: number; end: number }): string => {
    const spanId = hex(next, 8);
    const { start, end, ...rest } = s;
    spans.get(service)!.push({ traceId, spanId, ...rest, startTimeUnixNano: ns(startMs + start), endTimeUnixNano: ns(startMs + end) });
    return spanId;
  };
  const client = (route: string, port: number) => [
    attr(HttpAttr.requestMethod, 'POST'), attr(HttpAttr.urlFull, `http://127.0.0.1:${port}${route}`), attr(HttpAttr.urlTemplate, route),
    attr(HttpAttr.serverAddress, '127.0.0.1'), attr(HttpAttr.serverPort, port), attr(HttpAttr.responseStatusCode, 200),
  ];
  const server = (route: string) => [attr(HttpAttr.requestMethod, 'POST'), attr(HttpAttr.route, route), attr(HttpAttr.responseStatusCode, 200)];

  // The timeline, front to back, as the services run it.
  let t = draw(TIMING.hop);
  const validation = { start: t, end: (t += draw(TIMING.hop)) };
  const featClient = { start: (t += draw(TIMING.hop)), end: 0 };
  const featServer = { start: (t += draw(TIMING.hop)), end: 0 };
  const cacheMs = draw(TIMING.cacheLookup);
  const cache = { start: t, end: (t += cacheMs) };
  const dbMs = has('cache-eviction') ? draw(TIMING.dbLookup) : 0;
  const db = { start: t, end: (t += dbMs) };
  featServer.end = (t += draw(TIMING.hop));
  featClient.end = (t += draw(TIMING.hop));
  const inferClient = { start: (t += draw(TIMING.hop)), end: 0 };
  const inferServer = { start: (t += draw(TIMING.hop)), end: 0 };
  const assembly = { start: t, end: 0 };
  const initMs = has('tokenizer-reload') ? draw(TIMING.tokenizerInit) : 0;
  const init = { start: t, end: (t += initMs) };
  assembly.end = (t += draw(TIMING.tokenize));
  const forwardMs = ms3(draw(TIMING.forwardPass));
  // Unfaulted: a wait well under the forward pass; faulted: behind a competing job's batch.
  const queueMs = ms3(has('gpu-starvation') ? forwardMs + draw(TIMING.extraQueueWait) : forwardMs * 0.2 * next());
  const inference = { start: (t += queueMs), end: (t += forwardMs) };
  inferServer.end = (t += draw(TIMING.hop));
  inferClient.end = (t += draw(TIMING.hop));
  const postClient = { start: (t += draw(TIMING.hop)), end: 0 };
  const attempts = has('output-corruption') ? 2 + Math.floor(next() * 2) : 1;
  const post = { start: (t += draw(TIMING.hop)), end: (t += attempts * draw(TIMING.postProcess)) };
  postClient.end = (t += draw(TIMING.hop));
  const latency = ms3((t += draw(TIMING.hop)));

  const G = Services.gateway;
  const root = add(G, {
    name: Spans.pipelineRequest, kind: KIND.server, start: 0, end: latency,
    attributes: [
      ...server(Routes.predict), attr(Attr.requestId, requestId), attr(Attr.modelName, MODEL_NAME), attr(Attr.inputType, 'text'),
      attr(Attr.inputSizeBytes, 40 + Math.floor(next() * 200)), attr(Attr.clientId, `client-${index % 16}`),
      attr(Attr.outputTokens, 8 + Math.floor(next() * 24)), attr(Attr.pipelineSuccess, true), attr(Attr.pipelineLatencyMs, latency, true),
    ],
  });
  add(G, { name: Spans.inputValidation, kind: KIND.internal, parentSpanId: root, ...validation });
  const fc = add(G, { name: httpSpanName('POST', Routes.features), kind: KIND.client, parentSpanId: root, ...featClient, attributes: client(Routes.features, 8101) });
  const F = Services.featureExtractor;
  const fe = add(F, {
    name: Spans.featureExtraction, kind: KIND.server, parentSpanId: fc, ...featServer,
    attributes: [
      ...server(Routes.features), attr(Attr.featuresRequested, 1), attr(Attr.featuresCacheHits, dbMs ? 0 : 1), attr(Attr.featuresCacheMisses, dbMs ? 1 : 0),
      attr(Attr.featuresCacheHitRate, dbMs ? 0 : 1, true), attr(Attr.featuresCacheLookupMs, ms3(cacheMs), true),
      ...(dbMs ? [attr(Attr.featuresDbLookupMs, ms3(dbMs), true)] : []), attr(Attr.featuresUnavailable, 0), attr(Attr.featuresRetrieved, 1),
    ],
  });
  add(F, { name: Spans.cacheLookup, kind: KIND.internal, parentSpanId: fe, ...cache });
  if (dbMs) add(F, { name: Spans.dbFallback, kind: KIND.internal, parentSpanId: fe, ...db });
  const ic = add(G, { name: httpSpanName('POST', Routes.infer), kind: KIND.client, parentSpanId: root, ...inferClient, attributes: client(Routes.infer, 8102) });
  const I = Services.inference;
  const is = add(I, { name: httpSpanName('POST', Routes.infer), kind: KIND.server, parentSpanId: ic, ...inferServer, attributes: server(Routes.infer) });
  const seqLen = 8 + Math.floor(next() * 24);
  const ba = add(I, {
    name: Spans.batchAssembly, kind: KIND.internal, parentSpanId: is, ...assembly,
    attributes: [attr(Attr.batchSize, 1), attr(Attr.batchMaxSeqLen, seqLen), attr(Attr.tokensInput, seqLen), attr(Attr.tokensTruncated, false), attr(Attr.batchWaitMs, 0, true)],
  });
  if (initMs) add(I, { name: Spans.tokenizerInit, kind: KIND.internal, parentSpanId: ba, ...init, attributes: [attr(Attr.tokenizerLoadMs, ms3(initMs), true), attr(Attr.tokenizerVocabSize, 30522)] });
  add(I, {
    name: Spans.inference, kind: KIND.internal, parentSpanId: is, ...inference,
    attributes: [
      attr(Attr.batchSize, 1), attr(Attr.batchMaxSeqLen, seqLen), attr(Attr.modelVersion, '1'), attr(Attr.deviceType, 'cpu'), attr(Attr.deviceId, 0),
      attr(Attr.queueWaitMs, queueMs, true), attr(Attr.forwardPassMs, forwardMs, true),
    ],
    ...(queueMs > HIGH_QUEUE_WAIT_MS ? {
      events: [{ name: Events.highQueueWait, timeUnixNano: ns(startMs + inference.start), attributes: [attr(EventAttr.queueWaitMs, queueMs, true), attr(EventAttr.batchSize, 1)] }],
    } : {}),
  });
  const pc = add(G, { name: httpSpanName('POST', Routes.postprocess), kind: KIND.client, parentSpanId: root, ...postClient, attributes: client(Routes.postprocess, 8103) });
  add(Services.postProcessor, {
    name: Spans.postProcessing, kind: KIND.server, parentSpanId: pc, ...post,
    attributes: [...server(Routes.postprocess), attr(Attr.validationAttempts, attempts), attr(Attr.outputValid, true), attr(Attr.outputRequiredRepair, attempts > 1)],
    ...(attempts > 1 ? {
      events: Array.from({ length: attempts - 1 }, (_, a) => ({
        name: Events.validationFailed, timeUnixNano: ns(startMs + post.start),
        attributes: [attr(EventAttr.attempt, a + 1), attr(EventAttr.reason, 'schema'), attr(EventAttr.field, 'intent')],
      })),
    } : {}),
  });
  return {
    entry: { seq: index + 1, trace_id: traceId, request_id: requestId, ts: Math.round(startMs), status: 200, latency_ms: latency, faults: [...faults].sort() },
    spans,
  };
}

/** Requests as one OTLP export (a resource per service, as the Collector receives the services' exports). */
export function otlpBody(requests: GeneratedRequest[]): OtlpTrace {
  return {
    resourceSpans: Object.values(Services).map((service) => ({
      resource: {
        attributes: [
          attr(ResourceAttr.serviceName, service), attr(ResourceAttr.serviceVersion, '0.1.0'),
          attr(ResourceAttr.deploymentEnvironment, 'bench'), attr(ResourceAttr.pipelineName, PIPELINE_NAME),
        ],
      },
      scopeSpans: [{ scope: { name: service }, spans: requests.flatMap((r) => r.spans.get(service)!) }],
    })),
  };
}
