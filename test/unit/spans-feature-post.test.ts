/** The feature extractor and post-processor spans, with every contract attribute, against an in-memory exporter. */
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { FeatureCache } from '../../target-pipeline/feature-extractor/cache.ts';
import { featureApp } from '../../target-pipeline/feature-extractor/service.ts';
import type { FeatureSource } from '../../target-pipeline/feature-extractor/store.ts';
import { GENERATED_LABELS } from '../../target-pipeline/model/spec.ts';
import { postProcessorApp } from '../../target-pipeline/post-processor/service.ts';
import { createOutputValidator } from '../../target-pipeline/post-processor/validate.ts';
import { Attr, EventAttr, Events, HttpAttr, httpSpanName, Routes, Spans } from '../../target-pipeline/semconv.ts';
import { exporter, listen, only, parentName, postJson, spans, tracing } from './helpers/tracing.ts';

const { tracer, meter } = tracing();
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
beforeEach(() => exporter.reset());

/** A store that really computes something per id; unknown ids are absent, like the SQLite store. */
const store: FeatureSource = {
  computeFeatures: (ids) => new Map(ids.filter((id) => id.startsWith('user-')).map((id) => [id, Array.from({ length: 16 }, (_, i) => id.length * i)])),
};

describe('ml.feature_extraction', () => {
  it('should record hits, misses, timings and unavailable ids when a request mixes cached, fresh and unknown entities', async () => {
    const cache = new FeatureCache({ ttlMs: 60_000, maxEntries: 100 });
    cache.set('user-000001', new Array(16).fill(1));
    const { url, server } = await listen(featureApp({ tracer, meter, cache, store, featureDim: 16, maxIds: 8 }));
    servers.push(server);
    const r = await postJson(`${url}/features`, { ids: ['user-000001', 'user-000002', 'ghost-000001'] });
    expect(r.status).toBe(200);
    expect(r.json.vector).toHaveLength(16);
    expect(r.json.unavailable).toEqual(['ghost-000001']);

    const fe = only(Spans.featureExtraction);
    expect(fe.attributes).toMatchObject({
      [Attr.featuresRequested]: 3, [Attr.featuresCacheHits]: 1, [Attr.featuresCacheMisses]: 2,
      [Attr.featuresCacheHitRate]: 0.333, [Attr.featuresUnavailable]: 1, [Attr.featuresRetrieved]: 2,
    });
    expect(fe.attributes[Attr.featuresCacheLookupMs]).toBeGreaterThanOrEqual(0);
    expect(fe.attributes[Attr.featuresDbLookupMs]).toBeGreaterThanOrEqual(0);
    const ev = fe.events.find((e) => e.name === Events.featuresUnavailable);
    expect(ev?.attributes).toMatchObject({ [EventAttr.count]: 1, [EventAttr.sampleIds]: '["ghost-000001"]' });
    expect(parentName(only(Spans.cacheLookup))).toBe(Spans.featureExtraction);
    expect(parentName(only(Spans.dbFallback))).toBe(Spans.featureExtraction);
    expect(fe.kind).toBe(SpanKind.SERVER);
    expect(fe.attributes).toMatchObject({ [HttpAttr.requestMethod]: 'POST', [HttpAttr.route]: Routes.features, [HttpAttr.responseStatusCode]: 200 });
  });

  it('should have no db_fallback span when every entity is cached', async () => {
    const cache = new FeatureCache({ ttlMs: 60_000, maxEntries: 100 });
    cache.set('user-000001', new Array(16).fill(1));
    const { url, server } = await listen(featureApp({ tracer, meter, cache, store, featureDim: 16, maxIds: 8 }));
    servers.push(server);
    await postJson(`${url}/features`, { ids: ['user-000001'] });
    expect(only(Spans.featureExtraction).attributes[Attr.featuresCacheHitRate]).toBe(1);
    expect(exporter.getFinishedSpans().some((s) => s.name === Spans.dbFallback)).toBe(false);
  });

  it('should reject a malformed body with 400 naming the field and create no span', async () => {
    const { url, server } = await listen(featureApp({ tracer, meter, cache: new FeatureCache(), store, featureDim: 16, maxIds: 2 }));
    servers.push(server);
    const r = await postJson(`${url}/features`, { ids: ['a', 'b', 'c'] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/ids/);
  });
});

describe('ml.post_processing', () => {
  const validator = createOutputValidator(GENERATED_LABELS);
  const VALID = JSON.stringify({ label: 'approve', score: 0.9, top_k: [{ label: 'approve', score: 0.9 }], tokens: 7, model_version: 'gen-test' });

  async function withUpstream(outputs: string[]): Promise<string> {
    const upstream = express();
    upstream.use(express.json());
    upstream.post('/infer', (_req, res) => void res.json({ output: outputs.shift() ?? VALID }));
    const up = await listen(upstream);
    const pp = await listen(postProcessorApp({ tracer, meter, inferenceUrl: up.url, validator, maxAttempts: 3, timeoutMs: 5_000 }));
    servers.push(up.server, pp.server);
    return pp.url;
  }

  it('should record one attempt and a valid output when the model output is valid', async () => {
    const url = await withUpstream([]);
    const r = await postJson(`${url}/postprocess`, { output: VALID, reinvoke: { text: 'x', features: [] } });
    expect(r.status).toBe(200);
    expect(only(Spans.postProcessing).attributes).toMatchObject({ [Attr.validationAttempts]: 1, [Attr.outputValid]: true, [Attr.outputRequiredRepair]: false });
  });

  it('should re-invoke the model and record the failed attempt when the output is truncated', async () => {
    const url = await withUpstream([VALID]);
    const r = await postJson(`${url}/postprocess`, { output: VALID.slice(0, 20), reinvoke: { text: 'x', features: [] } });
    expect(r.status).toBe(200);
    const s = only(Spans.postProcessing);
    expect(s.attributes).toMatchObject({ [Attr.outputValid]: true, [Attr.outputRequiredRepair]: true });
    expect(s.attributes[Attr.validationAttempts]).toBeGreaterThanOrEqual(2);
    const ev = s.events.find((e) => e.name === Events.validationFailed);
    expect(ev?.attributes).toMatchObject({ [EventAttr.attempt]: 1, [EventAttr.reason]: 'parse_error' });
    // Each re-invocation is an outgoing call: a CLIENT span under ml.post_processing.
    const calls = spans(httpSpanName('POST', Routes.infer));
    expect(calls).toHaveLength(Number(s.attributes[Attr.validationAttempts]) - 1);
    for (const c of calls) {
      expect(c.kind).toBe(SpanKind.CLIENT);
      expect(parentName(c)).toBe(Spans.postProcessing);
    }
  });

  it('should answer 502 with an ERROR span after the last failed attempt', async () => {
    const broken = '{"label":';
    const url = await withUpstream([broken, broken, broken]);
    const r = await postJson(`${url}/postprocess`, { output: broken, reinvoke: { text: 'x', features: [] } });
    expect(r.status).toBe(502);
    expect(r.json.error).toMatch(/failed validation after 3 attempts/);
    const s = only(Spans.postProcessing);
    expect(s.status.code).toBe(SpanStatusCode.ERROR);
    expect(s.attributes).toMatchObject({ [Attr.validationAttempts]: 3, [Attr.outputValid]: false });
    expect(s.events.filter((e) => e.name === Events.validationFailed)).toHaveLength(3);
    expect(s.kind).toBe(SpanKind.SERVER);
    // Set after the error handler chose the status: the span says what the caller got.
    expect(s.attributes).toMatchObject({ [HttpAttr.route]: Routes.postprocess, [HttpAttr.responseStatusCode]: 502 });
  });
});
