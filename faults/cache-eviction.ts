/**
 * cache-eviction: feature-cache entries really removed (a fraction of the keys, all
 * of them, or a shortened TTL that expires them), so lookups miss and fall back to the
 * store's real aggregation query. Its natural signal: a db_fallback span under
 * ml.feature_extraction, cache_misses > 0, db_lookup_ms.
 *
 * A request counts as hit by the fault when one of its misses is a key the fault
 * evicted (or, in TTL mode, a key that had been cached before and expired early).
 */
import { z } from 'zod';
import { mulberry32 } from '../target-pipeline/model/prng.ts';
import { decorate } from './decorate.ts';
import { defineFault, type FaultRuntime } from './fault.ts';
import type { FiredRecorder } from './fired.ts';
import { intIn, numberIn, seedKnob } from './knobs.ts';

export const MAX_TTL_MS = 600_000;
export const MAX_INTERVAL_MS = 60_000;

export interface CacheEvictionKnobs {
  mode: 'fraction' | 'all' | 'ttl';
  fraction: number;
  ttl_ms: number;
  /** Evict again every interval_ms while enabled (0: once, when enabled). */
  interval_ms: number;
  seed: number;
}

/** What the fault acts on: the feature extractor's cache. */
export interface CacheEvictionTarget {
  cache: {
    mget(ids: readonly string[]): (number[] | undefined)[];
    set(id: string, vector: readonly number[]): void;
    keys(): string[];
    evict(request: { keys: string[] }): number;
    setTtlMs(ttlMs: number): void;
    resetTtl(): void;
  };
}

const knobs = z.object({
  mode: z.enum(['fraction', 'all', 'ttl'], { message: "one of 'fraction', 'all', 'ttl'" }).default('fraction'),
  fraction: numberIn(0, 1, { exclusiveMin: true }).default(0.5),
  ttl_ms: intIn(1, MAX_TTL_MS).default(100),
  interval_ms: intIn(0, MAX_INTERVAL_MS).default(0),
  seed: seedKnob(),
}).strict();

export const cacheEviction = defineFault({
  name: 'cache-eviction',
  owner: 'feature-extractor',
  description: 'Evicts feature-cache entries for real (a fraction, all, or a shortened TTL); misses fall back to the feature store query.',
  knobs: (): z.ZodType<CacheEvictionKnobs> => knobs,
  create: (t: CacheEvictionTarget, record) => createRuntime(t.cache, record),
});

function createRuntime(cache: CacheEvictionTarget['cache'], record: FiredRecorder): FaultRuntime<CacheEvictionKnobs, CacheEvictionTarget> {
  const evictedByFault = new Set<string>();
  const everCached = new Set<string>();
  let active: CacheEvictionKnobs | null = null;
  let timer: NodeJS.Timeout | undefined;
  const c = { evict_operations: 0, entries_evicted: 0, requests_hit: 0, keys_refilled: 0 };

  const evictNow = (k: CacheEvictionKnobs, rnd: () => number): void => {
    const keys = cache.keys();
    const chosen = k.mode === 'all' ? keys : keys.filter(() => rnd() < k.fraction);
    const removed = cache.evict({ keys: chosen });
    for (const key of chosen) evictedByFault.add(key);
    c.evict_operations++;
    c.entries_evicted += removed;
  };
  const causedByFault = (id: string): boolean => evictedByFault.has(id) || (active?.mode === 'ttl' && everCached.has(id));

  return {
    enable(k) {
      this.reset();
      active = k;
      for (const key of cache.keys()) everCached.add(key);
      if (k.mode === 'ttl') {
        cache.setTtlMs(k.ttl_ms);
        return;
      }
      const rnd = mulberry32(k.seed);
      evictNow(k, rnd);
      if (k.interval_ms > 0) timer = setInterval(() => evictNow(k, rnd), k.interval_ms);
    },
    reset() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (active?.mode === 'ttl') cache.resetTtl();
      active = null;
      evictedByFault.clear();
    },
    counters: () => ({ ...c, keys_pending_refill: evictedByFault.size }),
    // The lookup runs in the request's context, so a miss on an evicted key is recorded
    // for the request that paid for it; a refill ends the key's eviction.
    wrap: ({ cache: inner }) => ({
      cache: decorate(inner, {
        mget(ids) {
          const got = inner.mget(ids);
          if (ids.some((id, i) => got[i] === undefined && causedByFault(id))) {
            record.fired();
            c.requests_hit++;
          }
          return got;
        },
        set(id, vector) {
          inner.set(id, vector);
          if (evictedByFault.delete(id)) c.keys_refilled++;
          everCached.add(id);
        },
      }),
    }),
  };
}
