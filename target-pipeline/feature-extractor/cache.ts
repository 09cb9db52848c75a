/**
 * In-memory feature cache: entity id → feature vector, bounded by a TTL and by an LRU
 * entry limit. evict() and setTtlMs() act for real: evicted or expired entries are gone
 * and the next lookup is a miss that goes to the store.
 */

export const DEFAULT_TTL_MS = 5 * 60_000;
export const DEFAULT_MAX_ENTRIES = 10_000;

export interface FeatureCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** Clock in ms; injectable so tests can expire entries without waiting. */
  now?: () => number;
  /** Source of randomness for evict({ fraction }); Math.random unless seeded. */
  rng?: () => number;
}

export interface EvictRequest {
  /** Remove this share (0..1) of the current entries, chosen at random. */
  fraction?: number;
  /** Remove everything. */
  all?: boolean;
  /** Remove exactly these ids (those present). */
  keys?: string[];
}

export interface FeatureCacheStats {
  entries: number;
  hits: number;
  misses: number;
  /** Entries removed by evict() or by the LRU bound. */
  evictions: number;
  /** Entries found past their TTL at lookup time. */
  expirations: number;
}

/** The cache as its users see it; a wrapper that delegates to a FeatureCache can stand in for it. */
export interface FeatureCacheApi {
  mget(ids: readonly string[]): (number[] | undefined)[];
  set(id: string, vector: readonly number[]): void;
  evict(request: EvictRequest): number;
  keys(): string[];
  setTtlMs(ttlMs: number): void;
  resetTtl(): void;
  stats(): FeatureCacheStats;
}

interface Entry {
  vector: number[];
  storedAt: number;
}

export class FeatureCache implements FeatureCacheApi {
  // Map iteration order is insertion order: re-inserting on a hit keeps the least
  // recently used entry first, which is all an LRU needs.
  private readonly entries = new Map<string, Entry>();
  private readonly defaultTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly rng: () => number;
  private ttlMs: number;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private expirations = 0;

  constructor(options: FeatureCacheOptions = {}) {
    this.defaultTtlMs = checkTtl(options.ttlMs ?? DEFAULT_TTL_MS, 'ttlMs');
    this.ttlMs = this.defaultTtlMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new Error(`FeatureCache: maxEntries must be an integer >= 1, got ${String(options.maxEntries)}`);
    }
    this.now = options.now ?? (() => performance.now());
    this.rng = options.rng ?? Math.random;
  }

  /** One slot per id, in order; undefined for a miss (absent or expired). */
  mget(ids: readonly string[]): (number[] | undefined)[] {
    const now = this.now();
    return ids.map((id) => {
      const entry = this.entries.get(id);
      if (entry === undefined) {
        this.misses++;
        return undefined;
      }
      this.entries.delete(id);
      // Expiry uses the TTL in force now, so shortening it expires existing entries too.
      if (now - entry.storedAt > this.ttlMs) {
        this.expirations++;
        this.misses++;
        return undefined;
      }
      this.entries.set(id, entry);
      this.hits++;
      // A copy, so a caller that scales or pads its vector cannot corrupt the cache.
      return entry.vector.slice();
    });
  }

  set(id: string, vector: readonly number[]): void {
    this.entries.delete(id);
    this.entries.set(id, { vector: [...vector], storedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  /** Removes entries on request and returns how many were actually present and removed. */
  evict(request: EvictRequest): number {
    let removed = 0;
    if (request.all === true) {
      removed = this.entries.size;
      this.entries.clear();
    } else {
      for (const key of request.keys ?? []) if (this.entries.delete(key)) removed++;
      if (request.fraction !== undefined) removed += this.evictFraction(request.fraction);
    }
    this.evictions += removed;
    return removed;
  }

  /** Ids currently stored, least recently used first (expired ones included until looked up). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  setTtlMs(ttlMs: number): void {
    this.ttlMs = checkTtl(ttlMs, 'ttlMs');
  }

  /** Back to the TTL the cache was constructed with. */
  resetTtl(): void {
    this.ttlMs = this.defaultTtlMs;
  }

  stats(): FeatureCacheStats {
    return {
      entries: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      expirations: this.expirations,
    };
  }

  private evictFraction(fraction: number): number {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new Error(`FeatureCache.evict: fraction must be within [0, 1], got ${String(fraction)}`);
    }
    const keys = [...this.entries.keys()];
    const count = Math.round(keys.length * fraction);
    // Partial Fisher-Yates: the first `count` slots end up a uniform random sample.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.rng() * (keys.length - i));
      const picked = keys[j] as string;
      keys[j] = keys[i] as string;
      keys[i] = picked;
      this.entries.delete(picked);
    }
    return count;
  }
}

function checkTtl(ttlMs: number, name: string): number {
  if (!(Number.isFinite(ttlMs) && ttlMs >= 0)) {
    throw new Error(`FeatureCache: ${name} must be a finite number >= 0, got ${String(ttlMs)}`);
  }
  return ttlMs;
}
