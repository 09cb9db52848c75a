/**
 * Dynamic batching: requests wait until the batch is full (maxSize) or the oldest has
 * waited maxWaitMs, then the whole batch is handed to `run` once. Each request learns
 * how long it waited for its batch and how big the batch was.
 */

export interface BatchMember<I, O> {
  input: I;
  arrivedAt: number;
  resolve: (r: BatchOutcome<O>) => void;
  reject: (e: Error) => void;
}

export interface BatchOutcome<O> {
  /** Time this request waited for its batch to be dispatched. */
  batchWaitMs: number;
  batchSize: number;
  /** performance.now() at dispatch: where the request's inference span starts. */
  dispatchedAt: number;
  /** Settles with this request's share of the batch result. */
  result: Promise<O>;
}

export class DynamicBatcher<I, O> {
  private pending: BatchMember<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly maxSize: number;
  private readonly maxWaitMs: number;
  private readonly run: (inputs: I[]) => Promise<O[]>;

  constructor(opts: { maxSize: number; maxWaitMs: number; run: (inputs: I[]) => Promise<O[]> }) {
    this.maxSize = opts.maxSize;
    this.maxWaitMs = opts.maxWaitMs;
    this.run = opts.run;
  }

  /** Resolves when this request's batch is dispatched (not when it has run). */
  submit(input: I): Promise<BatchOutcome<O>> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, arrivedAt: performance.now(), resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, this.maxSize);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    if (batch.length === 0) return;
    const dispatchedAt = performance.now();
    const results = this.run(batch.map((m) => m.input));
    batch.forEach((m, i) => {
      m.resolve({
        batchWaitMs: dispatchedAt - m.arrivedAt,
        batchSize: batch.length,
        dispatchedAt,
        result: results.then((all) => {
          const r = all[i];
          if (r === undefined) throw new Error(`batch returned ${all.length} results for ${batch.length} requests`);
          return r;
        }),
      });
    });
    // Failures are delivered through each member's `result`; this keeps an unobserved copy quiet.
    results.catch(() => {});
  }
}
