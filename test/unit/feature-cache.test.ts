import { describe, expect, it } from 'vitest';
import { FeatureCache } from '../../target-pipeline/feature-extractor/cache.ts';
import { mulberry32 } from '../../target-pipeline/model/prng.ts';

/** A clock the test moves by hand, so TTL behaviour needs no waiting. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function filled(count: number, options: ConstructorParameters<typeof FeatureCache>[0] = {}): FeatureCache {
  const cache = new FeatureCache(options);
  for (let i = 0; i < count; i++) cache.set(`e${i}`, [i, i + 0.5]);
  return cache;
}

describe('FeatureCache', () => {
  it('should count hits and misses when looking up present and absent ids', () => {
    const cache = filled(2);
    expect(cache.mget(['e0', 'nope', 'e1'])).toEqual([[0, 0.5], undefined, [1, 1.5]]);
    expect(cache.stats()).toMatchObject({ entries: 2, hits: 2, misses: 1 });
  });

  it('should not let a caller corrupt an entry when it mutates a returned vector', () => {
    const cache = filled(1);
    const [vector] = cache.mget(['e0']);
    vector![0] = 99;
    expect(cache.mget(['e0'])[0]).toEqual([0, 0.5]);
  });

  it('should remove the requested share of entries when evicting a fraction', () => {
    const cache = filled(10, { rng: mulberry32(1) });
    expect(cache.evict({ fraction: 0.3 })).toBe(3);
    expect(cache.stats()).toMatchObject({ entries: 7, evictions: 3 });
    const looked = cache.mget(Array.from({ length: 10 }, (_, i) => `e${i}`));
    expect(looked.filter((v) => v === undefined)).toHaveLength(3);
  });

  it('should pick the same keys when evicting with the same seed', () => {
    const a = filled(20, { rng: mulberry32(5) });
    const b = filled(20, { rng: mulberry32(5) });
    a.evict({ fraction: 0.5 });
    b.evict({ fraction: 0.5 });
    expect(a.keys()).toEqual(b.keys());
  });

  it('should remove everything and report the count when evicting all', () => {
    const cache = filled(4);
    expect(cache.evict({ all: true })).toBe(4);
    expect(cache.evict({ all: true })).toBe(0);
    expect(cache.stats()).toMatchObject({ entries: 0, evictions: 4 });
  });

  it('should count only keys that were present when evicting by key', () => {
    const cache = filled(3);
    expect(cache.evict({ keys: ['e0', 'e2', 'missing', 'e0'] })).toBe(2);
    expect(cache.keys()).toEqual(['e1']);
  });

  it('should name the setting when the eviction fraction is out of range', () => {
    expect(() => filled(1).evict({ fraction: 1.5 })).toThrow(/fraction must be within \[0, 1\]/);
  });

  it('should expire existing entries when the TTL is shortened', () => {
    const clock = manualClock();
    const cache = filled(2, { ttlMs: 60_000, now: clock.now });
    clock.advance(1_000);
    cache.setTtlMs(500);
    expect(cache.mget(['e0', 'e1'])).toEqual([undefined, undefined]);
    expect(cache.stats()).toMatchObject({ entries: 0, expirations: 2, misses: 2 });
  });

  it('should keep entries again when the TTL is reset before they are looked up', () => {
    const clock = manualClock();
    const cache = filled(1, { ttlMs: 60_000, now: clock.now });
    cache.setTtlMs(10);
    clock.advance(1_000);
    cache.resetTtl();
    expect(cache.mget(['e0'])).toEqual([[0, 0.5]]);
  });

  it('should drop the least recently used entry when the entry limit is exceeded', () => {
    const cache = filled(3, { maxEntries: 3 });
    cache.mget(['e0']); // e1 is now the least recently used
    cache.set('e3', [3]);
    expect(cache.keys().sort()).toEqual(['e0', 'e2', 'e3']);
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1 });
  });
});
