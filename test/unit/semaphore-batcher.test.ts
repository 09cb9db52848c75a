import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from '../../target-pipeline/inference/batcher.ts';
import { DeviceSemaphore } from '../../target-pipeline/inference/semaphore.ts';

describe('DeviceSemaphore', () => {
  it('should grant at once when a slot is free and queue when none is', async () => {
    const s = new DeviceSemaphore(1);
    const a = await s.acquire();
    expect(a.queued).toBe(false);
    let got = false;
    const b = s.acquire().then((p) => { got = true; return p; });
    await Promise.resolve();
    expect(got).toBe(false);
    expect(s.queueLength).toBe(1);
    a.release();
    const pb = await b;
    expect(pb.queued).toBe(true);
    pb.release();
    expect(s.busy).toBe(0);
  });

  it('should serve waiters in arrival order when slots free up', async () => {
    const s = new DeviceSemaphore(1);
    const first = await s.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => s.acquire().then((p) => { order.push(i); p.release(); }));
    first.release();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });

  it('should hold new acquirers back when permits are reduced below the slots in use', async () => {
    const s = new DeviceSemaphore(2);
    const a = await s.acquire();
    s.setPermits(1);
    let got = false;
    const b = s.acquire().then((p) => { got = true; return p; });
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBe(false);
    a.release();
    (await b).release();
    expect(got).toBe(true);
    s.setPermits(s.configured);
    expect(s.available).toBe(2);
  });

  it('should refuse a non-positive number of slots when configured', () => {
    expect(() => new DeviceSemaphore(0)).toThrow(/positive integer/);
    expect(() => new DeviceSemaphore(2).setPermits(0)).toThrow(/positive integer/);
  });

  it('should ignore a second release of the same permit', async () => {
    const s = new DeviceSemaphore(1);
    const p = await s.acquire();
    p.release();
    p.release();
    expect(s.busy).toBe(0);
  });
});

describe('DynamicBatcher', () => {
  it('should dispatch a full batch at once when maxSize requests arrive', async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>({ maxSize: 3, maxWaitMs: 10_000, run: async (xs) => { sizes.push(xs.length); return xs.map((x) => x * 2); } });
    const outcomes = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(sizes).toEqual([3]);
    expect(await Promise.all(outcomes.map((o) => o.result))).toEqual([2, 4, 6]);
    expect(outcomes.every((o) => o.batchSize === 3)).toBe(true);
  });

  it('should dispatch a partial batch when the oldest request has waited maxWaitMs', async () => {
    const b = new DynamicBatcher<number, number>({ maxSize: 8, maxWaitMs: 5, run: async (xs) => xs });
    const o = await b.submit(7);
    expect(o.batchSize).toBe(1);
    expect(await o.result).toBe(7);
    expect(o.batchWaitMs).toBeGreaterThanOrEqual(0);
  });

  it('should fail every member of a batch when the batch run fails', async () => {
    const b = new DynamicBatcher<number, number>({ maxSize: 2, maxWaitMs: 1, run: async () => { throw new Error('device lost'); } });
    const os = await Promise.all([b.submit(1), b.submit(2)]);
    for (const o of os) await expect(o.result).rejects.toThrow('device lost');
  });
});
