/** The gateway's root and validation spans, and the inference service's spans on the real model. */
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { gatewayApp } from '../../target-pipeline/gateway/service.ts';
import { InferencePool } from '../../target-pipeline/inference/engine/pool.ts';
import { BatchRunner } from '../../target-pipeline/inference/runner.ts';
import { DeviceSemaphore } from '../../target-pipeline/inference/semaphore.ts';
import { inferenceApp } from '../../target-pipeline/inference/service.ts';
import { TokenizerHolder } from '../../target-pipeline/inference/tokenizer-holder.ts';
import { ensureAssets, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { serializeOutput } from '../../target-pipeline/model/decode.ts';
import { Attr, Events, HIGH_QUEUE_WAIT_MS, HttpAttr, httpSpanName, REQUEST_ID_HEADER, Routes, Spans } from '../../target-pipeline/semconv.ts';
import { exporter, listen, only, parentName, postJson, spans, tracing } from './helpers/tracing.ts';

const { tracer, meter } = tracing();
const servers: Server[] = [];
beforeEach(() => exporter.reset());

describe('ml.api_gateway', () => {
  let url = '';
  let upstreamUrl = '';
  let failInfer = false;
  /** The traceparent each upstream route received, to check which span's context went out. */
  const seenTraceparents = new Map<string, string>();
  beforeAll(async () => {
    const up = express();
    up.use(express.json());
    up.use((req, _res, next) => { seenTraceparents.set(req.path, String(req.headers.traceparent)); next(); });
    up.post('/features', (_req, res) => void res.json({ vector: new Array(16).fill(0) }));
    up.post('/infer', (_req, res) => void (failInfer ? res.status(500).json({ error: 'boom' }) : res.json({ output: '{}', tokens: 9, model_version: 'v', device: 'cpu' })));
    up.post('/postprocess', (_req, res) => void res.json({ value: { label: 'approve' } }));
    const u = await listen(up);
    upstreamUrl = u.url;
    const urls = { featureExtractor: u.url, inference: u.url, postProcessor: u.url };
    const g = await listen(gatewayApp({ tracer, meter, modelName: 'm', maxInputChars: 50, maxFeatureIds: 4, maxBodyBytes: 1024, timeoutMs: 5_000, urls }));
    servers.push(u.server, g.server);
    url = g.url;
  });

  it('should set every root attribute, a traceresponse and a request id header when the request succeeds', async () => {
    const r = await postJson(`${url}/predict`, { model: 'm', input: 'hello world', feature_ids: ['user-000001'], client_id: 'c1' });
    expect(r.status).toBe(200);
    const root = only(Spans.pipelineRequest);
    expect(r.headers.get('traceresponse')).toContain(root.spanContext().traceId);
    expect(root.attributes).toMatchObject({
      [Attr.modelName]: 'm', [Attr.inputType]: 'text', [Attr.inputSizeBytes]: 11, [Attr.clientId]: 'c1',
      [Attr.outputTokens]: 9, [Attr.pipelineSuccess]: true,
    });
    expect(root.attributes[Attr.requestId]).toMatch(/^[0-9a-f-]{36}$/);
    expect(root.attributes[Attr.pipelineLatencyMs]).toBeGreaterThan(0);
    expect(parentName(only(Spans.inputValidation))).toBe(Spans.pipelineRequest);
    expect(r.headers.get(REQUEST_ID_HEADER)).toBe(root.attributes[Attr.requestId]);
    expect(r.json.request_id).toBe(root.attributes[Attr.requestId]);
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.attributes).toMatchObject({ [HttpAttr.requestMethod]: 'POST', [HttpAttr.route]: '/predict', [HttpAttr.responseStatusCode]: 200 });
  });

  it('should wrap each outgoing call in a CLIENT span under the root, with the HTTP conventions and its context propagated', async () => {
    const r = await postJson(`${url}/predict`, { model: 'm', input: 'hello world', feature_ids: ['user-000001'], client_id: 'c1' });
    expect(r.status).toBe(200);
    const root = only(Spans.pipelineRequest);
    for (const route of [Routes.features, Routes.infer, Routes.postprocess]) {
      const c = only(httpSpanName('POST', route));
      expect(c.kind, route).toBe(SpanKind.CLIENT);
      expect(c.parentSpanContext?.spanId, route).toBe(root.spanContext().spanId);
      expect(c.attributes, route).toMatchObject({
        [HttpAttr.requestMethod]: 'POST', [HttpAttr.urlTemplate]: route, [HttpAttr.urlFull]: `${upstreamUrl}${route}`,
        [HttpAttr.serverAddress]: '127.0.0.1', [HttpAttr.serverPort]: Number(new URL(upstreamUrl).port), [HttpAttr.responseStatusCode]: 200,
      });
      expect(c.status.code, route).not.toBe(SpanStatusCode.ERROR);
      expect(seenTraceparents.get(route), route).toContain(c.spanContext().spanId);
    }
  });

  it('should mark a CLIENT span ERROR with error.type when the next service answers 5xx or is not there', async () => {
    failInfer = true;
    try {
      const r = await postJson(`${url}/predict`, { model: 'm', input: 'hello world', feature_ids: ['user-000001'], client_id: 'c1' });
      expect(r.status).toBe(502);
      const c = only(httpSpanName('POST', Routes.infer));
      expect(c.status.code).toBe(SpanStatusCode.ERROR);
      expect(c.attributes).toMatchObject({ [HttpAttr.responseStatusCode]: 500, [HttpAttr.errorType]: '500' });
      expect(spans(httpSpanName('POST', Routes.postprocess))).toHaveLength(0);
    } finally {
      failInfer = false;
    }
  });

  it('should mark the validation span and the root ERROR with the reason when the input is bad', async () => {
    const cases: [string, number, string][] = [
      ['{"model": "m", ', 400, 'invalid_json'],
      [JSON.stringify({ model: 'm', input: 7, feature_ids: ['a'], client_id: 'c' }), 400, 'invalid_field'],
      [JSON.stringify({ model: 'other', input: 'x', feature_ids: ['a'], client_id: 'c' }), 404, 'unknown_model'],
      [JSON.stringify({ model: 'm', input: 'x'.repeat(2000), feature_ids: ['a'], client_id: 'c' }), 413, 'payload_too_large'],
    ];
    for (const [body, status, reason] of cases) {
      exporter.reset();
      const r = await postJson(`${url}/predict`, body);
      expect(r.status, reason).toBe(status);
      expect(r.json.error, reason).toBeTruthy();
      const v = only(Spans.inputValidation);
      expect(v.status.code).toBe(SpanStatusCode.ERROR);
      expect(v.attributes[Attr.validationReason]).toBe(reason);
      const root = only(Spans.pipelineRequest);
      expect(root.status.code).toBe(SpanStatusCode.ERROR);
      expect(root.attributes[Attr.pipelineSuccess]).toBe(false);
      expect(root.attributes[HttpAttr.responseStatusCode], reason).toBe(status);
      expect(root.events.some((e) => e.name === 'exception')).toBe(true);
    }
  });
});

describe('ml.batch_assembly and ml.inference on the generated model', () => {
  let assets: ModelAssets;
  let pool: InferencePool;
  let semaphore: DeviceSemaphore;
  let tokenizers: TokenizerHolder;
  let url = '';

  beforeAll(async () => {
    assets = await ensureAssets();
    pool = await InferencePool.create({ modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1 });
    semaphore = new DeviceSemaphore(1);
    tokenizers = new TokenizerHolder(assets.tokenizerDir);
    await tokenizers.get();
    const runner = new BatchRunner({ pool, semaphore, padId: 0, featureDim: assets.featureDim, numLabels: assets.labels.length });
    const app = inferenceApp({ tracer, meter, assets, pool, runner, tokenizers, output: { serialize: serializeOutput }, batch: { maxSize: 4, maxWaitMs: 2 }, maxSeqLen: 64, maxInputChars: 1000 });
    const s = await listen(app);
    servers.push(s.server);
    url = s.url;
  }, 60_000);

  afterAll(async () => {
    servers.forEach((s) => s.close());
    await pool?.close();
  });

  const body = () => ({ text: 'my card was charged twice', features: new Array(assets.featureDim).fill(0.5) });

  it('should record batch and device attributes, with the provider really in use', async () => {
    const r = await postJson(`${url}/infer`, body());
    expect(r.status).toBe(200);
    expect(JSON.parse(r.json.output).label).toBeTypeOf('string');
    const inf = only(Spans.inference);
    expect(inf.attributes).toMatchObject({ [Attr.batchSize]: 1, [Attr.modelVersion]: assets.version, [Attr.deviceType]: 'cpu', [Attr.deviceId]: pool.deviceId });
    expect(inf.attributes[Attr.batchMaxSeqLen]).toBeGreaterThan(2);
    expect(inf.attributes[Attr.forwardPassMs]).toBeGreaterThan(0);
    expect(inf.attributes[Attr.queueWaitMs]).toBeGreaterThanOrEqual(0);
    // On CPU the GPU memory attributes are absent, not zero.
    expect(inf.attributes).not.toHaveProperty(Attr.gpuMemoryAllocatedMb);
    expect(inf.attributes).not.toHaveProperty(Attr.gpuMemoryReservedMb);
    const ba = only(Spans.batchAssembly);
    expect(ba.attributes[Attr.tokensInput]).toBe(r.json.tokens);
    // Both contract spans hang under the service's SERVER span, the callee side of a service-graph edge.
    const server = only(httpSpanName('POST', Routes.infer));
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes).toMatchObject({ [HttpAttr.requestMethod]: 'POST', [HttpAttr.route]: Routes.infer, [HttpAttr.responseStatusCode]: 200 });
    expect([parentName(inf), parentName(ba)]).toEqual([server.name, server.name]);
    expect(ba.attributes[Attr.batchSize]).toBe(1);
    expect(spans(Spans.tokenizerInit)).toHaveLength(0);
  });

  it('should end the SERVER span ERROR with the answered status when the body is invalid', async () => {
    const r = await postJson(`${url}/infer`, { text: '' });
    expect(r.status).toBe(400);
    const server = only(httpSpanName('POST', Routes.infer));
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes[HttpAttr.responseStatusCode]).toBe(400);
    expect(spans(Spans.batchAssembly)).toHaveLength(0);
  });

  it('should add a tokenizer_init child span only on the request that rebuilds the tokenizer', async () => {
    tokenizers.discard();
    await postJson(`${url}/infer`, body());
    const init = only(Spans.tokenizerInit);
    expect(parentName(init)).toBe(Spans.batchAssembly);
    expect(init.attributes[Attr.tokenizerLoadMs]).toBeGreaterThan(0);
    exporter.reset();
    await postJson(`${url}/infer`, body());
    expect(spans(Spans.tokenizerInit)).toHaveLength(0);
  });

  it('should fire high_queue_wait when the device slot is held past the threshold', async () => {
    const held = await semaphore.acquire();
    const pending = postJson(`${url}/infer`, body());
    await new Promise((r) => setTimeout(r, HIGH_QUEUE_WAIT_MS + 50));
    held.release();
    expect((await pending).status).toBe(200);
    const inf = only(Spans.inference);
    expect(inf.attributes[Attr.queueWaitMs]).toBeGreaterThan(HIGH_QUEUE_WAIT_MS);
    expect(inf.events.map((e) => e.name)).toContain(Events.highQueueWait);
  });

});
