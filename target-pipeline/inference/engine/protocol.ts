/**
 * Messages between the inference pool and its worker threads. Tensors travel as
 * typed arrays whose buffers are transferred, not copied.
 */

export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/**
 * Names the engine feeds and reads. `features` is fed only to a model that declares
 * that input (the manifest's featureDim > 0); `logits`, or else the first output, is read.
 */
export const ModelIO = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  features: 'features',
  logits: 'logits',
} as const;

/** workerData of every inference worker. */
export interface WorkerInit {
  workerId: number;
  modelPath: string;
  /** Tried in order; the first one whose session can be created is used. */
  providers: ExecutionProvider[];
  intraOpThreads: number;
  /** What the manifest says the model takes and gives; the worker checks the session against it. */
  shape: ModelShape;
}

/** The manifest's side of the model's contract. */
export interface ModelShape {
  /** Width of the `features` input; 0 when the model must have none. */
  featureDim: number;
  /** Width of the logits: the manifest's label count. */
  numLabels: number;
}

export interface ProviderFailure {
  provider: ExecutionProvider;
  message: string;
}

export interface RunRequest {
  type: 'run';
  id: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  features: Float32Array;
  batchSize: number;
  seqLen: number;
  featureDim: number;
}

/**
 * Asks the worker to end itself once its current batch (if any) is done. Needed
 * because Worker.terminate() while onnxruntime is inside session.run aborts the whole
 * process (an uncaught Napi::Error in the binding); exiting from the worker's own JS
 * guarantees no native run is in progress.
 */
export interface ExitRequest {
  type: 'exit';
}

export type ToWorker = RunRequest | ExitRequest;

export type FromWorker =
  | { type: 'ready'; provider: ExecutionProvider; failures: ProviderFailure[]; sessionMs: number }
  | { type: 'init-failed'; message: string; failures: ProviderFailure[] }
  | { type: 'result'; id: number; logits: Float32Array; forwardPassMs: number }
  | { type: 'run-failed'; id: number; message: string };
