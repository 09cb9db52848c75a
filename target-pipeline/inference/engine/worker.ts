/**
 * One inference worker thread: owns one onnxruntime session and runs one batch at a
 * time. It lives on its own thread because session.run blocks the thread it runs on;
 * on the main thread it would stall every request's I/O for the whole forward pass.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import {
  ModelIO,
  type ExecutionProvider, type FromWorker, type ProviderFailure, type RunRequest, type ToWorker, type WorkerInit,
} from './protocol.ts';

/** onnxruntime log level 3 = errors only; its warnings about unused initializers are noise here. */
const ORT_LOG_LEVEL_ERROR = 3;

const port = parentPort;
if (!port) throw new Error('worker.ts must be started as a worker thread by InferencePool');
const init = workerData as WorkerInit;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim();
}

/**
 * A CUDA or WebGPU session throws at creation when the provider's libraries or the
 * device are missing, so each provider is tried on its own, in the configured order,
 * with cpu as the last resort.
 */
async function createSession(): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider; failures: ProviderFailure[] }> {
  const order: ExecutionProvider[] = init.providers.includes('cpu') ? init.providers : [...init.providers, 'cpu'];
  const failures: ProviderFailure[] = [];
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(init.modelPath, {
        executionProviders: [provider],
        intraOpNumThreads: init.intraOpThreads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        logSeverityLevel: ORT_LOG_LEVEL_ERROR,
      });
      return { session, provider, failures };
    } catch (err) {
      failures.push({ provider, message: errorMessage(err) });
    }
  }
  const detail = failures.map((f) => `${f.provider}: ${f.message}`).join('; ');
  throw Object.assign(new Error(`no execution provider could load ${init.modelPath} (${detail})`), { failures });
}

/** The last dimension of a value's declared shape, when it is a fixed number. */
function fixedWidth(meta: readonly ort.InferenceSession.ValueMetadata[], name: string): number | undefined {
  const m = meta.find((v) => v.name === name);
  const last = m?.isTensor ? m.shape.at(-1) : undefined;
  return typeof last === 'number' ? last : undefined;
}

/**
 * The model against what the manifest says it takes and gives, before any request:
 * a mismatch found here names both sides instead of failing every batch later.
 */
function checkModel(session: ort.InferenceSession): void {
  const { featureDim, numLabels } = init.shape;
  const missing = [ModelIO.inputIds, ModelIO.attentionMask].filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0) {
    throw new Error(`model ${init.modelPath} lacks input(s) ${missing.join(', ')} (it has ${session.inputNames.join(', ')})`);
  }
  const hasFeatures = session.inputNames.includes(ModelIO.features);
  if (hasFeatures && featureDim === 0) {
    throw new Error(`model ${init.modelPath} has a ${ModelIO.features} input but the manifest's featureDim is 0 (absent); ` +
      `set featureDim to that input's width`);
  }
  if (!hasFeatures && featureDim > 0) {
    throw new Error(`model ${init.modelPath} has no ${ModelIO.features} input but the manifest's featureDim is ${featureDim}; ` +
      `set it to 0 (requests still carry a feature row, which is then not used)`);
  }
  const featureWidth = hasFeatures ? fixedWidth(session.inputMetadata, ModelIO.features) : undefined;
  if (featureWidth !== undefined && featureWidth !== featureDim) {
    throw new Error(`model ${init.modelPath} takes ${ModelIO.features} of width ${featureWidth} but the manifest's featureDim is ${featureDim}`);
  }
  const output = outputName(session);
  const logitsWidth = fixedWidth(session.outputMetadata, output);
  if (logitsWidth !== undefined && logitsWidth !== numLabels) {
    throw new Error(`model ${init.modelPath} gives ${output} of width ${logitsWidth} but the manifest lists ${numLabels} labels`);
  }
}

function outputName(session: ort.InferenceSession): string {
  const name = session.outputNames.includes(ModelIO.logits) ? ModelIO.logits : session.outputNames[0];
  if (name === undefined) throw new Error(`model ${init.modelPath} has no outputs`);
  return name;
}

async function run(session: ort.InferenceSession, req: RunRequest): Promise<void> {
  const dims = [req.batchSize, req.seqLen];
  const feeds: Record<string, ort.Tensor> = {
    [ModelIO.inputIds]: new ort.Tensor('int64', req.inputIds, dims),
    [ModelIO.attentionMask]: new ort.Tensor('int64', req.attentionMask, dims),
  };
  // checkModel made sure the input exists exactly when featureDim > 0.
  if (req.featureDim > 0) {
    feeds[ModelIO.features] = new ort.Tensor('float32', req.features, [req.batchSize, req.featureDim]);
  }
  const name = outputName(session);

  const started = performance.now();
  const outputs = await session.run(feeds, [name]);
  const forwardPassMs = performance.now() - started;

  const tensor = outputs[name];
  if (!tensor || tensor.type !== 'float32') {
    throw new Error(`model output ${name} is ${tensor?.type ?? 'missing'}, expected float32 logits`);
  }
  // A width the graph leaves symbolic is only known now.
  const { numLabels } = init.shape;
  if (tensor.dims.length !== 2 || tensor.dims[0] !== req.batchSize || tensor.dims[1] !== numLabels) {
    throw new Error(`model output ${name} has shape [${tensor.dims.join(', ')}], expected [${req.batchSize}, ${numLabels}] ` +
      `(the manifest lists ${numLabels} labels)`);
  }
  // A copy we own, so its buffer can be transferred whatever backs the tensor's memory.
  const logits = new Float32Array(tensor.data as Float32Array);
  post({ type: 'result', id: req.id, logits, forwardPassMs }, [logits.buffer]);
}

async function main(): Promise<void> {
  let created: Awaited<ReturnType<typeof createSession>>;
  const started = performance.now();
  try {
    created = await createSession();
    checkModel(created.session);
  } catch (err) {
    const failures = (err as { failures?: ProviderFailure[] }).failures ?? [];
    post({ type: 'init-failed', message: errorMessage(err), failures });
    return;
  }
  const { session, provider, failures } = created;
  let inFlight: Promise<void> = Promise.resolve();
  port?.on('message', (msg: ToWorker) => {
    if (msg.type === 'exit') {
      // Never exit while session.run may be executing: see ExitRequest.
      void inFlight.then(() => session.release()).finally(() => process.exit(0));
      return;
    }
    inFlight = run(session, msg).catch((err: unknown) => post({ type: 'run-failed', id: msg.id, message: errorMessage(err) }));
  });
  post({ type: 'ready', provider, failures, sessionMs: performance.now() - started });
}

void main();
