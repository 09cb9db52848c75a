/** HARNESS_BREAK_INSTRUMENTATION: validated once, and a broken point loses only its signal, never its work. */
import type { Server } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPipelineConfig, PipelineConfigError } from '../../target-pipeline/config.ts';
import { FeatureCache } from '../../target-pipeline/feature-extractor/cache.ts';
import { featureApp } from '../../target-pipeline/feature-extractor/service.ts';
import type { FeatureSource } from '../../target-pipeline/feature-extractor/store.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import { BREAK_POINT_NAMES } from '../../target-pipeline/telemetry/break.ts';
import { exporter, listen, only, postJson, tracing } from './helpers/tracing.ts';

const { tracer, meter } = tracing();
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
beforeEach(() => exporter.reset());

describe('HARNESS_BREAK_INSTRUMENTATION', () => {
  it('should break nothing when unset', () => {
    expect(loadPipelineConfig({}).HARNESS_BREAK_INSTRUMENTATION.size).toBe(0);
  });

  it('should accept a comma-separated list of known points', () => {
    const c = loadPipelineConfig({ HARNESS_BREAK_INSTRUMENTATION: 'queue-wait-attr, db-fallback-span' });
    expect([...c.HARNESS_BREAK_INSTRUMENTATION].sort()).toEqual(['db-fallback-span', 'queue-wait-attr']);
  });

  it('should refuse an unknown point, naming it and every known one', () => {
    const load = () => loadPipelineConfig({ HARNESS_BREAK_INSTRUMENTATION: 'queue-wait-attr,db-fallback' });
    expect(load).toThrow(PipelineConfigError);
    expect(load).toThrow(/HARNESS_BREAK_INSTRUMENTATION \(got "queue-wait-attr,db-fallback"\): unknown instrumentation point "db-fallback"/);
    for (const p of BREAK_POINT_NAMES) expect(load).toThrow(new RegExp(p));
  });

  it('should still fall back to the store, with no db_fallback span, when db-fallback-span is broken', async () => {
    let computed = 0;
    const store: FeatureSource = { computeFeatures: (ids) => { computed += ids.length; return new Map(ids.map((id) => [id, new Array(16).fill(2)])); } };
    const cache = new FeatureCache({ ttlMs: 60_000, maxEntries: 100 });
    const broken = loadPipelineConfig({ HARNESS_BREAK_INSTRUMENTATION: 'db-fallback-span' }).HARNESS_BREAK_INSTRUMENTATION;
    const { url, server } = await listen(featureApp({ tracer, meter, cache, store, featureDim: 16, maxIds: 8, broken }));
    servers.push(server);
    const r = await postJson(`${url}/features`, { ids: ['user-000001', 'user-000002'] });
    expect(r.status).toBe(200);
    expect(r.json.vector).toEqual(new Array(16).fill(2));
    expect(computed).toBe(2);
    expect(cache.mget(['user-000001'])[0]).toBeDefined();
    expect(exporter.getFinishedSpans().map((s) => s.name)).not.toContain(Spans.dbFallback);
    // Only the span is gone: the parent's attributes about the fallback are still there.
    expect(only(Spans.featureExtraction).attributes).toMatchObject({ [Attr.featuresCacheMisses]: 2, [Attr.featuresRetrieved]: 2 });
  });
});
