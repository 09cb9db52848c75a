import type { Context } from '@opentelemetry/api';
import type { InferencePool } from './engine/pool.ts';
import type { DeviceSemaphore } from './semaphore.ts';

/** One request's share of a batch. */
export interface RowInput {
  ids: number[];
  features: number[];
  /** The trace context of the request this row belongs to: a batch's work can be attributed to each of its requests. */
  context: Context;
}

export interface RowResult {
  logits: Float32Array;
  queueWaitMs: number;
  /** Whether the batch had to queue for a device slot. */
  queued: boolean;
  forwardPassMs: number;
  batchSize: number;
  maxSeqLen: number;
  /** First batch on its worker: the session's lazy initialisation is paid here. */
  coldRun: boolean;
  workerId: number;
}

/** What runs a batch: the service depends on this, not on the class. */
export interface BatchRun {
  readonly numLabels: number;
  run(rows: RowInput[]): Promise<RowResult[]>;
}

/**
 * Runs batches on the device: packs rows into padded int64 tensors, waits for a device
 * slot (the semaphore decides who runs), runs the forward pass on a worker, and splits
 * the logits back per row.
 */
export class BatchRunner implements BatchRun {
  private readonly warmWorkers = new Set<number>();
  private readonly pool: InferencePool;
  private readonly semaphore: DeviceSemaphore;
  private readonly padId: number;
  private readonly featureDim: number;
  readonly numLabels: number;

  constructor(opts: { pool: InferencePool; semaphore: DeviceSemaphore; padId: number; featureDim: number; numLabels: number }) {
    this.pool = opts.pool;
    this.semaphore = opts.semaphore;
    this.padId = opts.padId;
    this.featureDim = opts.featureDim;
    this.numLabels = opts.numLabels;
  }

  async run(rows: RowInput[]): Promise<RowResult[]> {
    const batchSize = rows.length;
    const seqLen = Math.max(1, ...rows.map((r) => r.ids.length));
    const inputIds = new BigInt64Array(batchSize * seqLen).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(batchSize * seqLen);
    const features = new Float32Array(batchSize * this.featureDim);
    rows.forEach((r, b) => {
      r.ids.forEach((id, i) => {
        inputIds[b * seqLen + i] = BigInt(id);
        attentionMask[b * seqLen + i] = 1n;
      });
      for (let f = 0; f < this.featureDim; f++) features[b * this.featureDim + f] = r.features[f] ?? 0;
    });

    const permit = await this.semaphore.acquire();
    let out;
    try {
      out = await this.pool.run({ inputIds, attentionMask, features, batchSize, seqLen });
    } finally {
      permit.release();
    }
    const coldRun = !this.warmWorkers.has(out.workerId);
    this.warmWorkers.add(out.workerId);
    return rows.map((_, b) => ({
      logits: out.logits.slice(b * this.numLabels, (b + 1) * this.numLabels),
      queueWaitMs: permit.waitedMs,
      queued: permit.queued,
      forwardPassMs: out.forwardPassMs,
      batchSize,
      maxSeqLen: seqLen,
      coldRun,
      workerId: out.workerId,
    }));
  }
}
