/**
 * The feature-extraction step: cache first, the store for misses (which then populate
 * the cache). Timings are measured here so the caller can put them on its spans.
 */
import type { FeatureCache } from './cache.ts';
import type { FeatureSource } from './store.ts';

export interface FeatureLookup {
  /** Vectors for every id that was found, in the cache or in the store. */
  features: Map<string, number[]>;
  hits: number;
  /** Ids not served by the cache (including the unavailable ones). */
  misses: number;
  /** Ids that neither the cache nor the store knows. */
  unavailable: string[];
  cacheLookupMs: number;
  /** 0 when every id was a hit: the store was not asked. */
  dbLookupMs: number;
}

/** Duplicate ids are looked up once; counts are per distinct id. */
export function getFeatures(cache: FeatureCache, store: FeatureSource, ids: readonly string[]): FeatureLookup {
  const distinct = [...new Set(ids)];
  const features = new Map<string, number[]>();

  const cacheStart = performance.now();
  const cached = cache.mget(distinct);
  const cacheLookupMs = performance.now() - cacheStart;

  const missed: string[] = [];
  distinct.forEach((id, i) => {
    const vector = cached[i];
    if (vector === undefined) missed.push(id);
    else features.set(id, vector);
  });

  let dbLookupMs = 0;
  const unavailable: string[] = [];
  if (missed.length > 0) {
    const dbStart = performance.now();
    const fetched = store.computeFeatures(missed);
    dbLookupMs = performance.now() - dbStart;
    for (const id of missed) {
      const vector = fetched.get(id);
      if (vector === undefined) {
        unavailable.push(id);
        continue;
      }
      cache.set(id, vector);
      features.set(id, vector);
    }
  }

  return {
    features,
    hits: distinct.length - missed.length,
    misses: missed.length,
    unavailable,
    cacheLookupMs,
    dbLookupMs,
  };
}
