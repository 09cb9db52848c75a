/**
 * A fixed set of inference worker threads, each with its own onnxruntime session.
 * run() hands a batch to an idle worker or queues it (FIFO) until one is free; the
 * caller bounds how much it queues. A crashed worker fails the batch it held and is
 * replaced, so one bad batch costs one request, not the service.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type {
  ExecutionProvider, ExitRequest, FromWorker, ModelShape, ProviderFailure, RunRequest, WorkerInit,
} from './protocol.ts';

export interface InferencePoolOptions {
  modelPath: string;
  workers: number;
  /** Tried in order; cpu is always the last resort even when not listed. */
  providers: ExecutionProvider[];
  /** onnxruntime intra-op threads per worker; default: the machine's cores shared out between workers. */
  intraOpThreads?: number;
  /** Width of the model's `features` input, 0 when it has none (the manifest's featureDim). */
  featureDim: number;
  /** Width of its logits (the manifest's label count); each worker checks the model against both. */
  numLabels: number;
}

export interface InferenceBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  features: Float32Array;
  batchSize: number;
  seqLen: number;
}

export interface InferenceResult {
  /** [batchSize, numLabels], row-major. */
  logits: Float32Array;
  /** Time inside session.run only, measured on the worker. */
  forwardPassMs: number;
  workerId: number;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** GPU providers run on the first device; the pool does not spread over several GPUs. */
const GPU_DEVICE_ID = '0';

/** Each distinct fallback is reported once per process, not once per worker or pool. */
const reportedFallbacks = new Set<string>();

function reportFallbacks(failures: ProviderFailure[], used: ExecutionProvider): void {
  for (const f of failures) {
    const key = `${f.provider}\u0000${f.message}`;
    if (reportedFallbacks.has(key)) continue;
    reportedFallbacks.add(key);
    console.warn(`inference: execution provider '${f.provider}' unavailable, using '${used}' instead: ${f.message}`);
  }
}

interface Job {
  batch: InferenceBatch;
  resolve: (r: InferenceResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  id: number;
  worker: Worker;
  /** Settles when the thread has ended, whatever the reason. */
  exited: Promise<void>;
  alive: boolean;
  job: Job | undefined;
  /** Set when the pool ends the worker itself, so its exit is not taken for a crash. */
  stopping: boolean;
}

/** Buffers that can move to the worker: whole, non-shared, each listed once. */
function transferList(batch: InferenceBatch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of [batch.inputIds, batch.attentionMask, batch.features]) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer);
  }
  return [...buffers];
}

export class InferencePool {
  readonly provider: ExecutionProvider;
  readonly deviceId: string;
  /** Wall time from create() until every worker had its session ready. */
  readonly modelLoadMs: number;
  private readonly options: InferencePoolOptions;
  private readonly intraOpThreads: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextWorkerId: number;
  private nextRunId = 0;
  private closed = false;

  private constructor(options: InferencePoolOptions, intraOpThreads: number, provider: ExecutionProvider,
    first: Slot, modelLoadMs: number) {
    this.options = options;
    this.intraOpThreads = intraOpThreads;
    this.provider = provider;
    this.deviceId = provider === 'cpu' ? 'cpu' : GPU_DEVICE_ID;
    this.modelLoadMs = modelLoadMs;
    this.nextWorkerId = options.workers;
    this.adopt(first);
  }

  static async create(options: InferencePoolOptions): Promise<InferencePool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new Error(`inference pool: workers must be a positive integer, got ${options.workers}`);
    }
    if (options.providers.length === 0) throw new Error('inference pool: providers must name at least one provider');
    if (!Number.isInteger(options.featureDim) || options.featureDim < 0 || !Number.isInteger(options.numLabels) || options.numLabels < 1) {
      throw new Error(`inference pool: featureDim must be an integer >= 0 and numLabels >= 1, got ${options.featureDim} and ${options.numLabels}`);
    }
    const started = performance.now();
    const shape: ModelShape = { featureDim: options.featureDim, numLabels: options.numLabels };
    const intraOpThreads = options.intraOpThreads
      ?? Math.max(1, Math.floor(availableParallelism() / options.workers));

    // Only the first worker probes the provider list; the others start straight on the
    // provider it settled on, so a missing GPU costs one failed attempt, not one per worker.
    const first = await startWorker({ workerId: 0, modelPath: options.modelPath, providers: options.providers, intraOpThreads, shape });
    reportFallbacks(first.failures, first.provider);
    const rest = await Promise.allSettled(Array.from({ length: options.workers - 1 }, (_, i) =>
      startWorker({ workerId: i + 1, modelPath: options.modelPath, providers: [first.provider], intraOpThreads, shape })));
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all([first.slot, ...rest.flatMap((r) => (r.status === 'fulfilled' ? [r.value.slot] : []))]
        .map(stopWorker));
      throw (failed as PromiseRejectedResult).reason;
    }

    const pool = new InferencePool(options, intraOpThreads, first.provider, first.slot, performance.now() - started);
    for (const r of rest) if (r.status === 'fulfilled') pool.adopt(r.value.slot);
    return pool;
  }

  /** Workers currently alive (a crashed one counts again once its replacement is up). */
  get size(): number {
    return this.slots.length;
  }

  /** Batches waiting for a free worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs one batch. The typed arrays' buffers are transferred to the worker, so the
   * caller must not use them afterwards.
   */
  run(batch: InferenceBatch): Promise<InferenceResult> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    const { batchSize, seqLen } = batch;
    const featureDim = this.options.featureDim;
    if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(seqLen) || seqLen < 1) {
      return Promise.reject(new Error(`inference batch: batchSize and seqLen must be positive integers, got ${batchSize}x${seqLen}`));
    }
    const problem =
      batch.inputIds.length !== batchSize * seqLen ? `inputIds has ${batch.inputIds.length} values, expected ${batchSize * seqLen}`
      : batch.attentionMask.length !== batchSize * seqLen ? `attentionMask has ${batch.attentionMask.length} values, expected ${batchSize * seqLen}`
      : batch.features.length !== batchSize * featureDim ? `features has ${batch.features.length} values, expected ${batchSize}x${featureDim}`
      : undefined;
    if (problem) return Promise.reject(new Error(`inference batch ${batchSize}x${seqLen}: ${problem}`));

    return new Promise<InferenceResult>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Ends a worker abruptly, as a crash would: its in-flight batch fails at once. For
   * fault injection and tests; resolves when the worker is gone and its replacement
   * is serving.
   */
  async killWorker(workerId: number): Promise<void> {
    const slot = this.slots.find((s) => s.id === workerId);
    if (!slot) throw new Error(`inference pool has no worker ${workerId}`);
    const replaced = this.crashed(slot, new Error(`inference worker ${workerId} was killed`));
    await Promise.all([stopWorker(slot), replaced]);
  }

  /** Fails queued and in-flight batches and stops every worker (each once its current run returns). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('inference pool closed before the batch ran'));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.stopping = true;
      s.job?.reject(new Error(`inference pool closed while worker ${s.id} was running the batch`));
      s.job = undefined;
    }
    await Promise.all(slots.map(stopWorker));
  }

  private adopt(slot: Slot): void {
    slot.worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    slot.worker.on('error', (err) => void this.crashed(slot, err));
    slot.worker.on('exit', (code) => void this.crashed(slot, new Error(`inference worker ${slot.id} exited with code ${code}`)));
    if (!slot.alive) {
      // Died between getting ready and joining the pool (create() awaits the other workers).
      void this.crashed(slot, new Error(`inference worker ${slot.id} exited before joining the pool`));
      return;
    }
    this.slots.push(slot);
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job || slot.stopping) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      const b = job.batch;
      const request: RunRequest = {
        type: 'run', id: this.nextRunId++,
        inputIds: b.inputIds, attentionMask: b.attentionMask, features: b.features,
        batchSize: b.batchSize, seqLen: b.seqLen, featureDim: this.options.featureDim,
      };
      slot.worker.postMessage(request, transferList(b));
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const job = slot.job;
    if (msg.type !== 'result' && msg.type !== 'run-failed') return;
    if (!job) return; // a reply for a batch already failed by killWorker or close
    slot.job = undefined;
    if (msg.type === 'result') {
      job.resolve({ logits: msg.logits, forwardPassMs: msg.forwardPassMs, workerId: slot.id });
    } else {
      job.reject(new Error(`inference worker ${slot.id} failed the batch ${job.batch.batchSize}x${job.batch.seqLen}: ${msg.message}`));
    }
    this.dispatch();
  }

  /**
   * Fails the worker's batch, drops the worker and starts a replacement; idempotent per
   * worker. Returns when the replacement has joined (or failed to start).
   */
  private crashed(slot: Slot, cause: Error): Promise<void> {
    if (slot.stopping) return Promise.resolve();
    slot.stopping = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const job = slot.job;
    slot.job = undefined;
    job?.reject(new Error(`inference worker ${slot.id} crashed while running a ${job.batch.batchSize}x${job.batch.seqLen} batch: ${cause.message}`));
    if (this.closed) return Promise.resolve();
    return this.replace();
  }

  private async replace(): Promise<void> {
    const workerId = this.nextWorkerId++;
    try {
      const started = await startWorker({
        workerId, modelPath: this.options.modelPath, providers: [this.provider], intraOpThreads: this.intraOpThreads,
        shape: { featureDim: this.options.featureDim, numLabels: this.options.numLabels },
      });
      if (this.closed) {
        await stopWorker(started.slot);
        return;
      }
      this.adopt(started.slot);
    } catch (err) {
      console.error(`inference: could not replace a crashed worker: ${(err as Error).message}`);
      if (this.slots.length === 0) {
        for (const job of this.queue.splice(0)) job.reject(new Error(`inference pool has no live workers: ${(err as Error).message}`));
      }
    }
  }
}

/**
 * Ends a worker without Worker.terminate(), which aborts the process when it lands
 * inside session.run (see ExitRequest): the worker exits itself after its current batch.
 */
function stopWorker(slot: Slot): Promise<void> {
  slot.stopping = true;
  slot.worker.postMessage({ type: 'exit' } satisfies ExitRequest);
  return slot.exited;
}

interface StartedWorker {
  slot: Slot;
  provider: ExecutionProvider;
  failures: ProviderFailure[];
}

/** Spawns a worker and waits until its session is ready (or it fails to start). */
function startWorker(init: WorkerInit): Promise<StartedWorker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: init, name: `inference-${init.workerId}` });
    let slot: Slot | undefined;
    const exited = new Promise<void>((done) => worker.once('exit', () => {
      if (slot) slot.alive = false;
      done();
    }));
    // Only our own listeners may go: removeAllListeners() would also drop the Worker's
    // internal ones and silently stop message delivery.
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (err: Error): void => {
      detach();
      worker.on('error', () => {}); // an unheard 'error' event would crash the process
      void worker.terminate(); // safe: a worker that never got ready has run nothing
      reject(err);
    };
    const onMessage = (msg: FromWorker): void => {
      if (msg.type === 'ready') {
        detach();
        // Until the pool adopts it, a crash must not surface as an unheard 'error' event.
        worker.on('error', () => {});
        slot = { id: init.workerId, worker, exited, alive: true, job: undefined, stopping: false };
        resolve({ slot, provider: msg.provider, failures: msg.failures });
      } else {
        fail(new Error(`inference worker ${init.workerId} could not start: ${msg.type === 'init-failed' ? msg.message : `unexpected ${msg.type}`}`));
      }
    };
    const onError = (err: Error): void => fail(new Error(`inference worker ${init.workerId} failed while starting: ${err.message}`));
    const onExit = (code: number): void => fail(new Error(`inference worker ${init.workerId} exited with code ${code} while starting`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
