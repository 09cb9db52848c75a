import { type Meter, type Tracer } from '@opentelemetry/api';
import express from 'express';
import { z } from 'zod';
import { Attr, EventAttr, Events, Metrics, Routes, Services, Spans } from '../semconv.ts';
import { jsonErrors } from '../service/run.ts';
import { HttpError, markSpanError } from '../service/errors.ts';
import { extractTraceContext, recordResponseStatus, serverSpanOptions } from '../telemetry/http.ts';
import { roundMs } from '../telemetry/units.ts';
import { tracerFor, type BrokenPoints } from '../telemetry/break.ts';
import type { FeatureCacheApi } from './cache.ts';
import type { FeatureSource } from './store.ts';

/** How many unavailable ids an event quotes. */
export const UNAVAILABLE_SAMPLE = 3;
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export interface FeatureDeps {
  tracer: Tracer;
  meter: Meter;
  cache: Pick<FeatureCacheApi, 'mget' | 'set'>;
  store: FeatureSource;
  featureDim: number;
  maxIds: number;
  /** HARNESS_BREAK_INSTRUMENTATION (CI self-test); absent in normal runs. */
  broken?: BrokenPoints;
}

/** POST /features {ids}: cache first, the store's real aggregation for misses. */
export function featureApp(d: FeatureDeps): express.Express {
  const body = z.object({ ids: z.array(z.string().regex(ENTITY_ID_PATTERN, 'an entity id (letters, digits, ._:-, at most 64)')).min(1).max(d.maxIds) }).strict();
  const dbLookup = d.meter.createHistogram(Metrics.dbLookupMs, { description: 'Feature store fallback latency, ms' });
  const stageMs = d.meter.createHistogram(Metrics.stageDurationMs);

  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.use(extractTraceContext);
  app.post(Routes.features, (req, res, next) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      next(new HttpError(400, `invalid /features body: ${i.path.join('.') || '(root)'}: ${i.message}`, i.path.join('.')));
      return;
    }
    const ids = [...new Set(parsed.data.ids)];
    d.tracer.startActiveSpan(Spans.featureExtraction, serverSpanOptions(req, Routes.features), (span) => {
      const started = performance.now();
      try {
        span.setAttribute(Attr.featuresRequested, ids.length);
        const cached = d.tracer.startActiveSpan(Spans.cacheLookup, (s) => {
          const t0 = performance.now();
          const got = d.cache.mget(ids);
          span.setAttribute(Attr.featuresCacheLookupMs, roundMs(performance.now() - t0));
          s.end();
          return got;
        });
        const features = new Map<string, number[]>();
        const missed: string[] = [];
        ids.forEach((id, i) => {
          const v = cached[i];
          if (v) features.set(id, v);
          else missed.push(id);
        });
        const hits = ids.length - missed.length;
        span.setAttributes({
          [Attr.featuresCacheHits]: hits,
          [Attr.featuresCacheMisses]: missed.length,
          [Attr.featuresCacheHitRate]: Math.round((hits / ids.length) * 1000) / 1000,
        });

        let unavailable: string[] = [];
        if (missed.length > 0) {
          // The fallback runs either way; a broken 'db-fallback-span' only leaves its span unrecorded.
          tracerFor('db-fallback-span', d.tracer, d.broken).startActiveSpan(Spans.dbFallback, (s) => {
            const t0 = performance.now();
            try {
              const fromStore = d.store.computeFeatures(missed);
              for (const [id, v] of fromStore) {
                features.set(id, v);
                d.cache.set(id, v);
              }
              unavailable = missed.filter((id) => !fromStore.has(id));
            } catch (err) {
              throw markSpanError(s, err);
            } finally {
              const ms = performance.now() - t0;
              span.setAttribute(Attr.featuresDbLookupMs, roundMs(ms));
              dbLookup.record(ms);
              s.end();
            }
          });
        }
        if (unavailable.length > 0) {
          span.addEvent(Events.featuresUnavailable, {
            [EventAttr.count]: unavailable.length,
            [EventAttr.sampleIds]: JSON.stringify(unavailable.slice(0, UNAVAILABLE_SAMPLE)),
          });
          span.setAttribute(Attr.featuresUnavailable, unavailable.length);
        }
        span.setAttribute(Attr.featuresRetrieved, features.size);
        res.json({ vector: meanVector([...features.values()], d.featureDim), retrieved: features.size, unavailable });
      } catch (err) {
        markSpanError(span, err);
        next(err);
      } finally {
        stageMs.record(performance.now() - started, { stage: 'feature_extraction' });
        recordResponseStatus(span, res.statusCode);
        span.end();
      }
    });
  });
  app.use(jsonErrors(Services.featureExtractor));
  return app;
}

/** The model takes one feature vector per request: the mean over the request's entities. */
export function meanVector(vectors: number[][], dim: number): number[] {
  const out = new Array<number>(dim).fill(0);
  if (vectors.length === 0) return out;
  for (const v of vectors) for (let i = 0; i < dim; i++) out[i]! += v[i] ?? 0;
  return out.map((x) => x / vectors.length);
}
