/**
 * gpu-starvation: takes device slots away (fewer semaphore permits) and/or starts
 * competing jobs that hold slots while running real inference batches, so requests
 * queue for the device while it looks busy-but-fine. Natural signal:
 * ml.inference.queue_wait_ms > ml.inference.forward_pass_ms, ml.inference.high_queue_wait.
 *
 * A request counts as hit when its batch had to queue for a slot while the fault was on,
 * or while a competing batch it started was still holding a slot after a reset (the
 * fault's aftermath is still the fault's).
 */
import type { Context } from '@opentelemetry/api';
import { z } from 'zod';
import { mulberry32 } from '../target-pipeline/model/prng.ts';
import { decorate } from './decorate.ts';
import { defineFault, type FaultRuntime } from './fault.ts';
import type { FiredRecorder } from './fired.ts';
import { intIn, numberIn } from './knobs.ts';

export const MAX_COMPETING_JOBS = 8;
export const MAX_COMPETING_BATCH = 64;
export const MIN_COMPETING_SEQ = 8;
/** Pause before a competing job retries after a failed batch, with its slot released. */
export const COMPETING_RETRY_MS = 100;
/** Token ids below this are the tokenizer's special tokens; competing batches use real words. */
const FIRST_WORD_ID = 5;

export interface GpuStarvationKnobs {
  /** Slots left to everyone (requests and competing jobs together). */
  slots: number;
  competing_jobs: number;
  competing_batch_size: number;
  competing_seq_len: number;
  /**
   * Share of its time each competing job holds a slot: after each batch it rests, slot
   * released, for as long as keeps it to this share (1: back to back). A periodic job
   * beside the requests, so that only requests arriving while one runs queue.
   */
  competing_duty_cycle: number;
}

/** What the fault acts on: the device semaphore, the model pool, and the batches requests run in. */
export interface GpuStarvationTarget {
  semaphore: {
    readonly configured: number;
    setPermits(n: number): void;
    acquire(): Promise<{ release(): void }>;
  };
  pool: {
    run(batch: { inputIds: BigInt64Array; attentionMask: BigInt64Array; features: Float32Array; batchSize: number; seqLen: number }): Promise<unknown>;
  };
  runner: {
    run(rows: { context: Context }[]): Promise<{ queued: boolean }[]>;
  };
  assets: { featureDim: number; vocabSize: number };
  maxSeqLen: number;
}

export const gpuStarvation = defineFault({
  name: 'gpu-starvation',
  owner: 'inference',
  description: 'Takes device slots away and/or runs competing jobs that hold slots doing real inference; requests queue on the device semaphore.',
  knobs: (t: GpuStarvationTarget): z.ZodType<GpuStarvationKnobs> => {
    const slots = t.semaphore.configured;
    return z.object({
      slots: intIn(1, slots, 'the configured device slots').default(1),
      competing_jobs: intIn(0, MAX_COMPETING_JOBS).default(0),
      competing_batch_size: intIn(1, MAX_COMPETING_BATCH).default(8),
      competing_seq_len: intIn(MIN_COMPETING_SEQ, t.maxSeqLen).default(64),
      competing_duty_cycle: numberIn(0, 1, { exclusiveMin: true }).default(1),
    }).strict().refine((k) => k.slots < slots || k.competing_jobs > 0, {
      message: `takes nothing away: set slots below ${slots} or competing_jobs above 0`, path: ['slots'],
    });
  },
  create: (t: GpuStarvationTarget, record) => createRuntime(t, record),
});

function createRuntime(t: GpuStarvationTarget, record: FiredRecorder): FaultRuntime<GpuStarvationKnobs, GpuStarvationTarget> {
  let generation = 0;
  let active = false;
  /** Competing batches holding a slot right now; one may outlive a reset by a forward pass. */
  let competingRunning = 0;
  const c = { slots_withheld: 0, competing_batches: 0, competing_busy_ms: 0, competing_errors: 0, requests_queued: 0 };

  async function competingJob(k: GpuStarvationKnobs, gen: number, seed: number): Promise<void> {
    const rnd = mulberry32(seed);
    const n = k.competing_batch_size * k.competing_seq_len;
    while (gen === generation) {
      const inputIds = new BigInt64Array(n);
      for (let i = 0; i < n; i++) inputIds[i] = BigInt(FIRST_WORD_ID + Math.floor(rnd() * (t.assets.vocabSize - FIRST_WORD_ID)));
      const attentionMask = new BigInt64Array(n).fill(1n);
      const features = new Float32Array(k.competing_batch_size * t.assets.featureDim).map(() => rnd());
      const permit = await t.semaphore.acquire();
      if (gen !== generation) {
        permit.release();
        return;
      }
      const t0 = performance.now();
      let failed = false;
      competingRunning++;
      try {
        await t.pool.run({ inputIds, attentionMask, features, batchSize: k.competing_batch_size, seqLen: k.competing_seq_len });
        c.competing_batches++;
      } catch {
        c.competing_errors++;
        failed = true;
      } finally {
        c.competing_busy_ms += Math.round(performance.now() - t0);
        competingRunning--;
        permit.release();
      }
      // A slot is only ever held while a real batch runs: the back-off after a failed
      // batch (so a broken worker is not hammered) and a periodic job's rest happen with
      // the slot released.
      const busy = performance.now() - t0;
      const rest = failed ? COMPETING_RETRY_MS : (busy * (1 - k.competing_duty_cycle)) / k.competing_duty_cycle;
      if (rest > 0 && gen === generation) await new Promise((r) => setTimeout(r, rest));
    }
  }

  return {
    enable(k) {
      this.reset();
      active = true;
      const gen = ++generation;
      t.semaphore.setPermits(k.slots);
      c.slots_withheld = t.semaphore.configured - k.slots;
      for (let i = 0; i < k.competing_jobs; i++) void competingJob(k, gen, gen * 100 + i);
    },
    reset() {
      generation++;
      active = false;
      t.semaphore.setPermits(t.semaphore.configured);
      c.slots_withheld = 0;
    },
    // competing_in_flight is a level, not a count: a reset leaves at most one batch per job
    // finishing, and a caller that needs the device quiet again waits for it to reach 0.
    counters: () => ({ ...c, competing_in_flight: competingRunning }),
    // A batch serves several requests: each row carries its request's context, so a
    // batch that queued is recorded for every request in it.
    wrap: (w) => ({
      runner: decorate(w.runner, {
        async run(rows) {
          const behindFault = active || competingRunning > 0;
          const results = await w.runner.run(rows);
          if (behindFault || active) {
            rows.forEach((row, i) => {
              if (!results[i]?.queued) return;
              record.fired(row.context);
              c.requests_queued++;
            });
          }
          return results;
        },
      }),
    }),
  };
}
