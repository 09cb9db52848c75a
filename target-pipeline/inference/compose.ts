import { join } from 'node:path';
import { checkVocabulary, ensureAssets, type ModelAssets } from '../model/assets.ts';
import { serializeOutput } from '../model/decode.ts';
import { MANIFEST_FILE } from '../model/manifest.ts';
import { Attr, ModelLoadState, Services, Spans } from '../semconv.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import { markSpanError } from '../service/errors.ts';
import { InferencePool } from './engine/pool.ts';
import { GpuMemorySampler } from './gpu-memory.ts';
import { BatchRunner, type BatchRun } from './runner.ts';
import { DeviceSemaphore } from './semaphore.ts';
import { inferenceApp, type OutputWriter } from './service.ts';
import { TokenizerHolder, type TokenizerSource } from './tokenizer-holder.ts';

const PAD_ID = 0;

export interface InferenceComponents {
  assets: ModelAssets;
  pool: InferencePool;
  semaphore: DeviceSemaphore;
  tokenizers: TokenizerSource;
  runner: BatchRun;
  output: OutputWriter;
  /** The sequence length the service accepts (the configured one, within the model's). */
  maxSeqLen: number;
  /** On a GPU provider only: the driver's figure for this process. */
  gpuMemory?: GpuMemorySampler;
}

/** ml.inference: batch assembly, the device semaphore, and the ONNX model on worker threads. */
export const inferenceService: ServiceDefinition<InferenceComponents> = {
  id: 'inference',
  serviceName: Services.inference,
  port: (cfg) => cfg.INFERENCE_PORT,
  compose: async (cfg, telemetry) => {
    const assets = await ensureAssets(cfg.ASSETS_DIR);
    // The tokenizer first: a vocabulary that does not fit the model fails here, before any worker starts.
    const tokenizers = new TokenizerHolder(assets.tokenizerDir);
    checkVocabulary(assets, (await tokenizers.get()).loaded.vocabSize);
    // Loading the model is the cold start of this service: one span, outside any request.
    const loadSpan = telemetry.tracer.startSpan(Spans.modelLoad, { attributes: { [Attr.modelLoadState]: ModelLoadState.cold } });
    const pool = await InferencePool.create({
      modelPath: assets.modelPath, workers: cfg.INFERENCE_WORKERS, providers: cfg.EXECUTION_PROVIDERS,
      intraOpThreads: cfg.INTRA_OP_THREADS, featureDim: assets.featureDim, numLabels: assets.labels.length,
    }).catch((err: unknown) => {
      // The worker names the model file; the folder and its manifest are the other side.
      markSpanError(loadSpan, err);
      loadSpan.end();
      throw new Error(`cannot serve the model described by ${join(assets.dir, MANIFEST_FILE)}: ${(err as Error).message}`);
    });
    loadSpan.setAttributes({ [Attr.deviceType]: pool.provider, [Attr.deviceId]: pool.deviceId, [Attr.modelVersion]: assets.version });
    loadSpan.end();
    console.log(`inference: model ${assets.version} on '${pool.provider}' (${pool.size} workers, ${cfg.DEVICE_SLOTS} device slots, loaded in ${Math.round(pool.modelLoadMs)} ms)`);
    const semaphore = new DeviceSemaphore(cfg.DEVICE_SLOTS);
    const runner = new BatchRunner({ pool, semaphore, padId: PAD_ID, featureDim: assets.featureDim, numLabels: assets.labels.length });
    return {
      assets, pool, semaphore, tokenizers, runner, output: { serialize: serializeOutput },
      maxSeqLen: Math.min(cfg.MAX_SEQ_LEN, assets.maxSeqLen),
      ...(pool.provider === 'cpu' ? {} : { gpuMemory: new GpuMemorySampler().start() }),
    };
  },
  app: (cfg, telemetry, c) => inferenceApp({
    tracer: telemetry.tracer, meter: telemetry.meter, assets: c.assets, pool: c.pool, runner: c.runner,
    tokenizers: c.tokenizers, output: c.output, gpuMemory: c.gpuMemory,
    batch: { maxSize: cfg.BATCH_MAX_SIZE, maxWaitMs: cfg.BATCH_MAX_WAIT_MS },
    maxSeqLen: c.maxSeqLen, maxInputChars: cfg.MAX_INPUT_CHARS, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
  }),
  close: (c) => {
    c.gpuMemory?.stop();
    return c.pool.close();
  },
};
