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
import type { FeatureCache } from '../target-pipeline/feature-extractor/cache.ts';
import type { FeatureFaultHooks } from '../target-pipeline/feature-extractor/fault-hooks.ts';
import { seededRandom, type FaultModule, type FaultRuntime } from './fault.ts';

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

export interface CacheEvictionTarget {
  cache: FeatureCache;
}

export interface CacheEvictionRuntime extends FaultRuntime<CacheEvictionKnobs> {
  hooks: Required<FeatureFaultHooks>;
}

const knobs = z.object({
  mode: z.enum(['fraction', 'all', 'ttl'], { message: "one of 'fraction', 'all', 'ttl'" }).default('fraction'),
  fraction: z.number({ message: 'a number between 0 (exclusive) and 1' }).gt(0, 'must be > 0 and <= 1').max(1, 'must be > 0 and <= 1').default(0.5),
  ttl_ms: z.number({ message: `an integer from 1 to ${MAX_TTL_MS}` }).int().min(1, `must be from 1 to ${MAX_TTL_MS}`).max(MAX_TTL_MS, `must be from 1 to ${MAX_TTL_MS}`).default(100),
  interval_ms: z.number({ message: `an integer from 0 to ${MAX_INTERVAL_MS}` }).int().min(0, `must be from 0 to ${MAX_INTERVAL_MS}`).max(MAX_INTERVAL_MS, `must be from 0 to ${MAX_INTERVAL_MS}`).default(0),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
}).strict();

export const cacheEviction: FaultModule<CacheEvictionKnobs, CacheEvictionTarget> = {
  name: 'cache-eviction',
  owner: 'feature-extractor',
  description: 'Evicts feature-cache entries for real (a fraction, all, or a shortened TTL); misses fall back to the feature store query.',
  knobs: () => knobs,
  create: ({ cache }) => createRuntime(cache),
};

function createRuntime(cache: FeatureCache): CacheEvictionRuntime {
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

  return {
    enable(k) {
      this.reset();
      active = k;
      for (const key of cache.keys()) everCached.add(key);
      if (k.mode === 'ttl') {
        cache.setTtlMs(k.ttl_ms);
        return;
      }
      const rnd = seededRandom(k.seed);
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
    hooks: {
      afterLookup(missed, fired) {
        if (missed.length === 0) return;
        const byFault = missed.some((id) => evictedByFault.has(id) || (active?.mode === 'ttl' && everCached.has(id)));
        if (byFault) {
          fired.add('cache-eviction');
          c.requests_hit++;
        }
      },
      afterFill(ids) {
        for (const id of ids) {
          if (evictedByFault.delete(id)) c.keys_refilled++;
          everCached.add(id);
        }
      },
    },
  };
}
