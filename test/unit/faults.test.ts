/**
 * Each fault's mechanism acts on the real component, records the requests it really
 * acted on (and only those), and every bad knob is refused by name.
 */
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { cacheEviction } from '../../faults/cache-eviction.ts';
import { BoundFault } from '../../faults/fault.ts';
import type { FiredRecorder } from '../../faults/fired.ts';
import { gpuStarvation } from '../../faults/gpu-starvation.ts';
import { outputCorruption } from '../../faults/output-corruption.ts';
import { tokenizerReload } from '../../faults/tokenizer-reload.ts';
import { FeatureCache } from '../../target-pipeline/feature-extractor/cache.ts';
import type { InferencePool } from '../../target-pipeline/inference/engine/pool.ts';
import { BatchRunner } from '../../target-pipeline/inference/runner.ts';
import { DeviceSemaphore } from '../../target-pipeline/inference/semaphore.ts';
import { TokenizerHolder } from '../../target-pipeline/inference/tokenizer-holder.ts';
import { GENERATED_LABELS as LABELS } from '../../target-pipeline/model/spec.ts';
import { createOutputValidator } from '../../target-pipeline/post-processor/validate.ts';

const VALID = { label: 'approve', score: 0.9, top_k: [{ label: 'approve', score: 0.9 }], tokens: 7, model_version: 'gen-test' };

/** Counts the firings; which trace they belong to is fired.ts's business (tested there). */
function recorder(): FiredRecorder & { calls: (Context | undefined)[] } {
  const calls: (Context | undefined)[] = [];
  return { calls, fired: (ctx) => void calls.push(ctx) };
}

/** Binds a fault and puts its stand-ins in place, as the fault host does. */
function bind<T extends object>(module: any, target: T) {
  const rec = recorder();
  const f = new BoundFault(module, target, rec);
  const components = { ...target, ...f.runtime.wrap?.(target) } as T;
  return { f, rec, components };
}

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
  it('should remove entries for real and record the request that misses on them when enabled with a fraction', () => {
    const { f, rec, components } = bind(cacheEviction, { cache: filledCache(100) });
    expect(f.enable({ mode: 'fraction', fraction: 0.5 })).toEqual({ ok: true });
    const evicted = f.status().counters.entries_evicted!;
    expect(evicted).toBeGreaterThan(20);
    expect(components.cache.keys().length).toBe(100 - evicted);
    const ids = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    components.cache.mget(ids);
    expect(rec.calls).toHaveLength(1);
    components.cache.mget(ids.filter((_, i) => components.cache.keys().includes(`user-${i}`)));
    expect(rec.calls).toHaveLength(1);
  });

  it('should not blame itself for a miss on a key it never evicted', () => {
    const { f, rec, components } = bind(cacheEviction, { cache: filledCache(10) });
    f.enable({ mode: 'fraction', fraction: 0.5, seed: 3 });
    components.cache.mget(['never-cached']);
    expect(rec.calls).toHaveLength(0);
  });

  it('should stop blaming itself for a key once the service has filled it again', () => {
    const { f, rec, components } = bind(cacheEviction, { cache: filledCache(4) });
    f.enable({ mode: 'all' });
    components.cache.set('user-1', [1]);
    components.cache.mget(['user-1']);
    expect(rec.calls).toHaveLength(0);
    expect(f.status().counters.keys_refilled).toBe(1);
  });

  it('should empty the cache when enabled with mode all', () => {
    const cache = filledCache(20);
    bind(cacheEviction, { cache }).f.enable({ mode: 'all' });
    expect(cache.keys()).toEqual([]);
  });

  it('should reject each bad knob with the field and its range', () => {
    const { f } = bind(cacheEviction, { cache: filledCache(1) });
    expect(f.enable({ mode: 'fraction', fraction: 1.5 })).toMatchObject({ ok: false, field: 'fraction', message: expect.stringMatching(/above 0 and at most 1/) });
    expect(f.enable({ mode: 'sometimes' })).toMatchObject({ ok: false, field: 'mode' });
    expect(f.enable({ mode: 'ttl', ttl_ms: 0 })).toMatchObject({ ok: false, field: 'ttl_ms', message: expect.stringMatching(/1 to 600000/) });
    expect(f.enable({ interval_ms: -1 })).toMatchObject({ ok: false, field: 'interval_ms' });
    expect(f.enable({ bogus: 1 })).toMatchObject({ ok: false });
    expect(f.status().enabled).toBe(false);
  });
});

describe('gpu-starvation', () => {
  const target = (s: DeviceSemaphore, pool = slowPool(20)) => ({
    semaphore: s, pool, runner: new BatchRunner({ pool, semaphore: s, padId: 0, featureDim: 4, numLabels: 2 }),
    assets: { featureDim: 4, vocabSize: 100 }, maxSeqLen: 32,
  });
  const row = () => ({ ids: [5, 6], features: [0, 0, 0, 0], context: ROOT_CONTEXT });

  it('should take slots away and record every request of a batch that queued, and give the slots back on reset', async () => {
    const s = new DeviceSemaphore(2);
    const { f, rec, components } = bind(gpuStarvation, target(s));
    expect(f.enable({ slots: 1 })).toEqual({ ok: true });
    expect(s.available).toBe(1);
    const first = components.runner.run([row()]);
    const second = components.runner.run([row(), row()]);
    const [a, b] = await Promise.all([first, second]);
    expect(a[0]!.queued).toBe(false);
    expect(b.map((r) => r.queued)).toEqual([true, true]);
    expect(rec.calls).toHaveLength(2);
    f.reset();
    expect(s.available).toBe(2);
    await components.runner.run([row()]);
    expect(rec.calls).toHaveLength(2);
  });

  it('should run competing jobs that really hold device slots when enabled with competing_jobs', async () => {
    const s = new DeviceSemaphore(1);
    const { f } = bind(gpuStarvation, target(s, slowPool(30)));
    f.enable({ slots: 1, competing_jobs: 1, competing_batch_size: 2, competing_seq_len: 8 });
    await new Promise((r) => setTimeout(r, 100));
    const p = await s.acquire();
    expect(p.queued).toBe(true);
    p.release();
    f.reset();
    expect(f.status().counters.competing_batches).toBeGreaterThan(0);
  });

  it('should still record a request that queues behind a competing batch left running by a reset', async () => {
    const s = new DeviceSemaphore(1);
    const { f, rec, components } = bind(gpuStarvation, target(s, slowPool(200)));
    f.enable({ slots: 1, competing_jobs: 1, competing_batch_size: 2, competing_seq_len: 8 });
    await new Promise((r) => setImmediate(r)); // the competing job takes the slot
    f.reset();
    // The batch left running shows in the gauge until it ends.
    expect(f.status().counters.competing_in_flight).toBe(1);
    const [r] = await components.runner.run([row()]);
    expect(r!.queued).toBe(true);
    expect(rec.calls).toHaveLength(1);
    expect(f.status().counters.competing_in_flight).toBe(0);
  });

  it('should let a periodic competing job (competing_duty_cycle) rest with its slot released between batches', async () => {
    const s = new DeviceSemaphore(1);
    const { f } = bind(gpuStarvation, target(s, slowPool(50)));
    // 10% duty: each 50 ms batch is followed by 450 ms with the slot free.
    f.enable({ slots: 1, competing_jobs: 1, competing_batch_size: 2, competing_seq_len: 8, competing_duty_cycle: 0.1 });
    const deadline = Date.now() + 5_000;
    while ((f.status().counters.competing_batches ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(f.status().counters.competing_batches).toBe(1);
    const p = await s.acquire();
    expect(p.queued, 'the slot was free during the job\'s rest').toBe(false);
    p.release();
    f.reset();
    expect(f.enable({ slots: 1, competing_jobs: 1, competing_duty_cycle: 0 })).toMatchObject({ ok: false, field: 'competing_duty_cycle' });
    expect(f.enable({ slots: 1, competing_jobs: 1, competing_duty_cycle: 1.5 })).toMatchObject({ ok: false, field: 'competing_duty_cycle' });
  });

  it('should reject knobs that take nothing away or exceed the configured slots', () => {
    const { f } = bind(gpuStarvation, target(new DeviceSemaphore(2)));
    expect(f.enable({ slots: 2 })).toMatchObject({ ok: false, field: 'slots', message: expect.stringMatching(/takes nothing away/) });
    expect(f.enable({ slots: 3 })).toMatchObject({ ok: false, field: 'slots', message: expect.stringMatching(/from 1 to 2/) });
    expect(f.enable({ slots: 1, competing_jobs: 99 })).toMatchObject({ ok: false, field: 'competing_jobs' });
    expect(f.enable({ slots: 1, competing_seq_len: 4 })).toMatchObject({ ok: false, field: 'competing_seq_len' });
  });
});

describe('output-corruption', () => {
  const target = () => ({ output: { serialize: (o: unknown) => JSON.stringify(o) }, assets: { labels: LABELS } });

  it('should corrupt every output so that validation fails when the rate is 1', () => {
    const { f, rec, components } = bind(outputCorruption, target());
    f.enable({ rate: 1, mode: 'truncate' });
    expect(createOutputValidator(LABELS).validateOutput(components.output.serialize(VALID)).ok).toBe(false);
    expect(rec.calls).toHaveLength(1);
    expect(f.status().counters.outputs_corrupted).toBe(1);
  });

  it('should leave outputs alone when the rate is 0 or the fault is off', () => {
    const { f, rec, components } = bind(outputCorruption, target());
    expect(components.output.serialize(VALID)).toBe(JSON.stringify(VALID));
    f.enable({ rate: 0 });
    expect(components.output.serialize(VALID)).toBe(JSON.stringify(VALID));
    expect(rec.calls).toHaveLength(0);
  });

  it('should reject a rate outside 0..1 and an unknown mode', () => {
    const { f } = bind(outputCorruption, target());
    expect(f.enable({ rate: 2 })).toMatchObject({ ok: false, field: 'rate', message: expect.stringMatching(/from 0 to 1/) });
    expect(f.enable({ rate: 0.1, mode: 'garble' })).toMatchObject({ ok: false, field: 'mode' });
    expect(f.enable({})).toMatchObject({ ok: false, field: 'rate' });
  });
});

describe('tokenizer-reload', () => {
  it('should discard the tokenizer every N requests so that request rebuilds it', async () => {
    const holder = new TokenizerHolder('/nonexistent');
    // Stand in for a loaded tokenizer; the discard is what is under test here.
    const loaded = { tokenizer: {}, loadMs: 1, vocabSize: 1 };
    (holder as unknown as { current: unknown }).current = loaded;
    const { f, rec, components } = bind(tokenizerReload, { tokenizers: holder });
    f.enable({ every_n: 2 });
    const rebuild = async () => loaded as never;
    expect((await components.tokenizers.get(rebuild)).rebuilt).toBe(false);
    expect(rec.calls).toHaveLength(0);
    expect((await components.tokenizers.get(rebuild)).rebuilt).toBe(true);
    expect(rec.calls).toHaveLength(1);
    expect(f.status().counters.discards).toBe(1);
  });

  it('should reject knobs that would never reload', () => {
    const { f } = bind(tokenizerReload, { tokenizers: new TokenizerHolder('/x') });
    expect(f.enable({})).toMatchObject({ ok: false, field: 'probability', message: expect.stringMatching(/does nothing/) });
    expect(f.enable({ probability: 1.1 })).toMatchObject({ ok: false, field: 'probability' });
    expect(f.enable({ every_n: 2.5 })).toMatchObject({ ok: false, field: 'every_n' });
  });
});
