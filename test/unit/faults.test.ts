/** Each fault's mechanism acts on the real component, and every bad knob is refused by name. */
import { describe, expect, it } from 'vitest';
import { cacheEviction, type CacheEvictionRuntime } from '../../faults/cache-eviction.ts';
import { BoundFault } from '../../faults/fault.ts';
import { gpuStarvation, type GpuStarvationRuntime } from '../../faults/gpu-starvation.ts';
import { outputCorruption, type OutputCorruptionRuntime } from '../../faults/output-corruption.ts';
import { tokenizerReload, type TokenizerReloadRuntime } from '../../faults/tokenizer-reload.ts';
import { FeatureCache } from '../../target-pipeline/feature-extractor/cache.ts';
import type { InferencePool } from '../../target-pipeline/inference/engine/pool.ts';
import { DeviceSemaphore } from '../../target-pipeline/inference/semaphore.ts';
import { TokenizerHolder } from '../../target-pipeline/inference/tokenizer-holder.ts';
import { validateOutput } from '../../target-pipeline/post-processor/validate.ts';

const VALID = JSON.stringify({ label: 'approve', score: 0.9, top_k: [{ label: 'approve', score: 0.9 }], tokens: 7, model_version: 'gen-test' });

function filledCache(n: number): FeatureCache {
  const cache = new FeatureCache({ ttlMs: 600_000, maxEntries: 10_000 });
  for (let i = 0; i < n; i++) cache.set(`user-${i}`, [i]);
  return cache;
}

/** A pool stand-in whose run() holds its caller for a while; the semaphore around it is the real one. */
function slowPool(ms: number): InferencePool {
  return { run: () => new Promise((r) => setTimeout(() => r({ logits: new Float32Array(8), forwardPassMs: ms, workerId: 0 }), ms)) } as unknown as InferencePool;
}

describe('cache-eviction', () => {
  it('should remove entries for real and mark the requests that miss on them when enabled with a fraction', () => {
    const cache = filledCache(100);
    const f = new BoundFault(cacheEviction, { cache });
    expect(f.enable({ mode: 'fraction', fraction: 0.5 })).toEqual({ ok: true });
    const evicted = f.status().counters.entries_evicted!;
    expect(evicted).toBeGreaterThan(20);
    expect(cache.keys().length).toBe(100 - evicted);
    const rt = f.runtime as CacheEvictionRuntime;
    const ids = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const missed = ids.filter((_, i) => cache.mget(ids)[i] === undefined);
    const fired = new Set<string>();
    rt.hooks.afterLookup(missed, fired);
    expect(fired.has('cache-eviction')).toBe(true);
    const clean = new Set<string>();
    rt.hooks.afterLookup([], clean);
    expect(clean.size).toBe(0);
  });

  it('should not blame itself for a miss on a key it never evicted', () => {
    const cache = filledCache(10);
    const f = new BoundFault(cacheEviction, { cache });
    f.enable({ mode: 'fraction', fraction: 0.5, seed: 3 });
    const fired = new Set<string>();
    (f.runtime as CacheEvictionRuntime).hooks.afterLookup(['never-cached'], fired);
    expect(fired.size).toBe(0);
  });

  it('should empty the cache when enabled with mode all', () => {
    const cache = filledCache(20);
    new BoundFault(cacheEviction, { cache }).enable({ mode: 'all' });
    expect(cache.keys()).toEqual([]);
  });

  it('should reject each bad knob with the field and its range', () => {
    const f = new BoundFault(cacheEviction, { cache: filledCache(1) });
    expect(f.enable({ mode: 'fraction', fraction: 1.5 })).toMatchObject({ ok: false, field: 'fraction', message: expect.stringMatching(/> 0 and <= 1/) });
    expect(f.enable({ mode: 'sometimes' })).toMatchObject({ ok: false, field: 'mode' });
    expect(f.enable({ mode: 'ttl', ttl_ms: 0 })).toMatchObject({ ok: false, field: 'ttl_ms', message: expect.stringMatching(/1 to 600000/) });
    expect(f.enable({ interval_ms: -1 })).toMatchObject({ ok: false, field: 'interval_ms' });
    expect(f.enable({ bogus: 1 })).toMatchObject({ ok: false });
    expect(f.status().enabled).toBe(false);
  });
});

describe('gpu-starvation', () => {
  const target = (s: DeviceSemaphore, pool = slowPool(20)) => ({ semaphore: s, pool, featureDim: 4, vocabSize: 100, maxSeqLen: 32 });

  it('should take slots away and make requests queue when enabled, and give them back on reset', async () => {
    const s = new DeviceSemaphore(2);
    const f = new BoundFault(gpuStarvation, target(s));
    expect(f.enable({ slots: 1 })).toEqual({ ok: true });
    expect(s.available).toBe(1);
    const a = await s.acquire();
    const b = s.acquire();
    a.release();
    const pb = await b;
    const fired = new Set<string>();
    (f.runtime as GpuStarvationRuntime).afterPermit(pb.queued, fired);
    pb.release();
    expect(fired.has('gpu-starvation')).toBe(true);
    f.reset();
    expect(s.available).toBe(2);
  });

  it('should run competing jobs that really hold device slots when enabled with competing_jobs', async () => {
    const s = new DeviceSemaphore(1);
    const f = new BoundFault(gpuStarvation, target(s, slowPool(30)));
    f.enable({ slots: 1, competing_jobs: 1, competing_batch_size: 2, competing_seq_len: 8 });
    await new Promise((r) => setTimeout(r, 100));
    const p = await s.acquire();
    expect(p.queued).toBe(true);
    p.release();
    f.reset();
    expect(f.status().counters.competing_batches).toBeGreaterThan(0);
  });

  it('should reject knobs that take nothing away or exceed the configured slots', () => {
    const f = new BoundFault(gpuStarvation, target(new DeviceSemaphore(2)));
    expect(f.enable({ slots: 2 })).toMatchObject({ ok: false, field: 'slots', message: expect.stringMatching(/takes nothing away/) });
    expect(f.enable({ slots: 3 })).toMatchObject({ ok: false, field: 'slots', message: expect.stringMatching(/from 1 to 2/) });
    expect(f.enable({ slots: 1, competing_jobs: 99 })).toMatchObject({ ok: false, field: 'competing_jobs' });
    expect(f.enable({ slots: 1, competing_seq_len: 4 })).toMatchObject({ ok: false, field: 'competing_seq_len' });
  });
});

describe('output-corruption', () => {
  it('should corrupt every output so that validation fails when the rate is 1', () => {
    const f = new BoundFault(outputCorruption, {});
    f.enable({ rate: 1, mode: 'truncate' });
    const fired = new Set<string>();
    const out = (f.runtime as OutputCorruptionRuntime).corrupt(VALID, fired);
    expect(validateOutput(out).ok).toBe(false);
    expect(fired.has('output-corruption')).toBe(true);
    expect(f.status().counters.outputs_corrupted).toBe(1);
  });

  it('should leave outputs alone when the rate is 0 or the fault is off', () => {
    const f = new BoundFault(outputCorruption, {});
    const fired = new Set<string>();
    expect((f.runtime as OutputCorruptionRuntime).corrupt(VALID, fired)).toBe(VALID);
    f.enable({ rate: 0 });
    expect((f.runtime as OutputCorruptionRuntime).corrupt(VALID, fired)).toBe(VALID);
    expect(fired.size).toBe(0);
  });

  it('should reject a rate outside 0..1 and an unknown mode', () => {
    const f = new BoundFault(outputCorruption, {});
    expect(f.enable({ rate: 2 })).toMatchObject({ ok: false, field: 'rate', message: expect.stringMatching(/from 0 to 1/) });
    expect(f.enable({ rate: 0.1, mode: 'garble' })).toMatchObject({ ok: false, field: 'mode' });
    expect(f.enable({})).toMatchObject({ ok: false, field: 'rate' });
  });
});

describe('tokenizer-reload', () => {
  it('should discard the tokenizer every N requests so that request rebuilds it', async () => {
    const holder = new TokenizerHolder('/nonexistent');
    // Stand in for a loaded tokenizer; the discard is what is under test here.
    (holder as unknown as { current: unknown }).current = { tokenizer: {}, loadMs: 1, vocabSize: 1 };
    const f = new BoundFault(tokenizerReload, { tokenizers: holder });
    f.enable({ every_n: 2 });
    const rt = f.runtime as TokenizerReloadRuntime;
    const first = new Set<string>();
    rt.beforeTokenize(first);
    const second = new Set<string>();
    rt.beforeTokenize(second);
    expect(first.size).toBe(0);
    expect(second.has('tokenizer-reload')).toBe(true);
    expect(f.status().counters.discards).toBe(1);
  });

  it('should reject knobs that would never reload', () => {
    const f = new BoundFault(tokenizerReload, { tokenizers: new TokenizerHolder('/x') });
    expect(f.enable({})).toMatchObject({ ok: false, field: 'probability', message: expect.stringMatching(/does nothing/) });
    expect(f.enable({ probability: 1.1 })).toMatchObject({ ok: false, field: 'probability' });
    expect(f.enable({ every_n: 2.5 })).toMatchObject({ ok: false, field: 'every_n' });
  });
});
