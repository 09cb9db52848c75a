/**
 * gpu-starvation: takes device slots away (fewer semaphore permits) and/or starts
 * competing jobs that hold slots while running real inference batches, so requests
 * queue for the device while it looks busy-but-fine. Natural signal:
 * ml.inference.queue_wait_ms > ml.inference.forward_pass_ms, ml.inference.high_queue_wait.
 *
 * A request counts as hit when its batch had to queue for a slot while the fault was on.
 */
import { z } from 'zod';
import type { InferencePool } from '../target-pipeline/inference/engine/pool.ts';
import type { DeviceSemaphore } from '../target-pipeline/inference/semaphore.ts';
import { seededRandom, type FaultModule, type FaultRuntime } from './fault.ts';

export const MAX_COMPETING_JOBS = 8;
export const MAX_COMPETING_BATCH = 64;
export const MIN_COMPETING_SEQ = 8;
/** Pause before a competing job retries after a failed batch, with its slot released. */
export const COMPETING_RETRY_MS = 100;

export interface GpuStarvationKnobs {
  /** Slots left to everyone (requests and competing jobs together). */
  slots: number;
  competing_jobs: number;
  competing_batch_size: number;
  competing_seq_len: number;
}

export interface GpuStarvationTarget {
  semaphore: DeviceSemaphore;
  pool: InferencePool;
  featureDim: number;
  vocabSize: number;
  maxSeqLen: number;
}

export interface GpuStarvationRuntime extends FaultRuntime<GpuStarvationKnobs> {
  afterPermit(queued: boolean, fired: Set<string>): void;
}

export const gpuStarvation: FaultModule<GpuStarvationKnobs, GpuStarvationTarget> = {
  name: 'gpu-starvation',
  owner: 'inference',
  description: 'Takes device slots away and/or runs competing jobs that hold slots doing real inference; requests queue on the device semaphore.',
  knobs: (t) => {
    const slots = t.semaphore.configured;
    return z.object({
      slots: z.number({ message: `an integer from 1 to ${slots}` }).int().min(1, `must be from 1 to ${slots} (the configured device slots)`).max(slots, `must be from 1 to ${slots} (the configured device slots)`).default(1),
      competing_jobs: z.number({ message: `an integer from 0 to ${MAX_COMPETING_JOBS}` }).int().min(0, `must be from 0 to ${MAX_COMPETING_JOBS}`).max(MAX_COMPETING_JOBS, `must be from 0 to ${MAX_COMPETING_JOBS}`).default(0),
      competing_batch_size: z.number({ message: `an integer from 1 to ${MAX_COMPETING_BATCH}` }).int().min(1, `must be from 1 to ${MAX_COMPETING_BATCH}`).max(MAX_COMPETING_BATCH, `must be from 1 to ${MAX_COMPETING_BATCH}`).default(8),
      competing_seq_len: z.number({ message: `an integer from ${MIN_COMPETING_SEQ} to ${t.maxSeqLen}` }).int().min(MIN_COMPETING_SEQ, `must be from ${MIN_COMPETING_SEQ} to ${t.maxSeqLen}`).max(t.maxSeqLen, `must be from ${MIN_COMPETING_SEQ} to ${t.maxSeqLen}`).default(64),
    }).strict().refine((k) => k.slots < slots || k.competing_jobs > 0, {
      message: `takes nothing away: set slots below ${slots} or competing_jobs above 0`, path: ['slots'],
    });
  },
  create: (t) => createRuntime(t),
};

function createRuntime(t: GpuStarvationTarget): GpuStarvationRuntime {
  let generation = 0;
  let active = false;
  const jobs: Promise<void>[] = [];
  const c = { slots_withheld: 0, competing_batches: 0, competing_busy_ms: 0, competing_errors: 0, requests_queued: 0 };

  async function competingJob(k: GpuStarvationKnobs, gen: number, seed: number): Promise<void> {
    const rnd = seededRandom(seed);
    const n = k.competing_batch_size * k.competing_seq_len;
    while (gen === generation) {
      const inputIds = new BigInt64Array(n);
      for (let i = 0; i < n; i++) inputIds[i] = BigInt(5 + Math.floor(rnd() * (t.vocabSize - 5)));
      const attentionMask = new BigInt64Array(n).fill(1n);
      const features = new Float32Array(k.competing_batch_size * t.featureDim).map(() => rnd());
      const permit = await t.semaphore.acquire();
      if (gen !== generation) {
        permit.release();
        return;
      }
      const t0 = performance.now();
      let failed = false;
      try {
        await t.pool.run({ inputIds, attentionMask, features, batchSize: k.competing_batch_size, seqLen: k.competing_seq_len });
        c.competing_batches++;
      } catch {
        c.competing_errors++;
        failed = true;
      } finally {
        c.competing_busy_ms += Math.round(performance.now() - t0);
        permit.release();
      }
      // A slot is only ever held while a real batch runs: the back-off after a failed
      // batch (so a broken worker is not hammered) happens with the slot released.
      if (failed && gen === generation) await new Promise((r) => setTimeout(r, COMPETING_RETRY_MS));
    }
  }

  return {
    enable(k) {
      this.reset();
      active = true;
      const gen = ++generation;
      t.semaphore.setPermits(k.slots);
      c.slots_withheld = t.semaphore.configured - k.slots;
      for (let i = 0; i < k.competing_jobs; i++) jobs.push(competingJob(k, gen, gen * 100 + i));
    },
    reset() {
      generation++;
      active = false;
      jobs.length = 0;
      t.semaphore.setPermits(t.semaphore.configured);
      c.slots_withheld = 0;
    },
    counters: () => ({ ...c }),
    afterPermit(queued, fired) {
      if (active && queued) {
        fired.add('gpu-starvation');
        c.requests_queued++;
      }
    },
  };
}
