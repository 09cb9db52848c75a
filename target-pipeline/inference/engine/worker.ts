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

function checkInputs(session: ort.InferenceSession): void {
  const missing = [ModelIO.inputIds, ModelIO.attentionMask].filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0) {
    throw new Error(`model ${init.modelPath} lacks input(s) ${missing.join(', ')} (it has ${session.inputNames.join(', ')})`);
  }
}

async function run(session: ort.InferenceSession, req: RunRequest): Promise<void> {
  const dims = [req.batchSize, req.seqLen];
  const feeds: Record<string, ort.Tensor> = {
    [ModelIO.inputIds]: new ort.Tensor('int64', req.inputIds, dims),
    [ModelIO.attentionMask]: new ort.Tensor('int64', req.attentionMask, dims),
  };
  if (session.inputNames.includes(ModelIO.features)) {
    feeds[ModelIO.features] = new ort.Tensor('float32', req.features, [req.batchSize, req.featureDim]);
  }
  const outputName = session.outputNames.includes(ModelIO.logits) ? ModelIO.logits : session.outputNames[0];
  if (outputName === undefined) throw new Error(`model ${init.modelPath} has no outputs`);

  const started = performance.now();
  const outputs = await session.run(feeds, [outputName]);
  const forwardPassMs = performance.now() - started;

  const tensor = outputs[outputName];
  if (!tensor || tensor.type !== 'float32') {
    throw new Error(`model output ${outputName} is ${tensor?.type ?? 'missing'}, expected float32 logits`);
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
    checkInputs(created.session);
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
