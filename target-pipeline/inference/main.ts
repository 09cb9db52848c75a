/** ml.inference: batch assembly, the device semaphore, and the ONNX model on worker threads. */
import { loadPipelineConfig } from '../config.ts';
import { ensureAssets } from '../model/assets.ts';
import { Attr, ModelLoadState, Services, Spans } from '../semconv.ts';
import { runService } from '../service/run.ts';
import { telemetryFromEnv } from '../telemetry/env.ts';
import { InferencePool } from './engine/pool.ts';
import { BatchRunner } from './runner.ts';
import { DeviceSemaphore } from './semaphore.ts';
import { inferenceApp } from './service.ts';
import { TokenizerHolder } from './tokenizer-holder.ts';
import { startInferenceFaults } from '../../faults/inference-faults.ts';

const PAD_ID = 0;

const cfg = loadPipelineConfig();
const telemetry = telemetryFromEnv(Services.inference);
const assets = await ensureAssets(cfg.ASSETS_DIR);

// Loading the model is the cold start of this service: one span, outside any request.
const loadSpan = telemetry.tracer.startSpan(Spans.modelLoad, { attributes: { [Attr.modelLoadState]: ModelLoadState.cold } });
const pool = await InferencePool.create({
  modelPath: assets.modelPath,
  workers: cfg.INFERENCE_WORKERS,
  providers: cfg.EXECUTION_PROVIDERS,
  intraOpThreads: cfg.INTRA_OP_THREADS,
  featureDim: assets.featureDim,
});
loadSpan.setAttributes({ [Attr.deviceType]: pool.provider, [Attr.deviceId]: pool.deviceId, [Attr.modelVersion]: assets.version });
loadSpan.end();
console.log(`inference: model ${assets.version} on '${pool.provider}' (${pool.size} workers, ${cfg.DEVICE_SLOTS} device slots, loaded in ${Math.round(pool.modelLoadMs)} ms)`);

const semaphore = new DeviceSemaphore(cfg.DEVICE_SLOTS);
const tokenizers = new TokenizerHolder(assets.tokenizerDir);
await tokenizers.get();
const runner = new BatchRunner({ pool, semaphore, padId: PAD_ID, featureDim: assets.featureDim, numLabels: assets.labels.length });
const faults = await startInferenceFaults(cfg, { semaphore, pool, tokenizers, assets });

const app = inferenceApp({
  tracer: telemetry.tracer, meter: telemetry.meter, assets, pool, runner, tokenizers, hooks: faults.hooks,
  batch: { maxSize: cfg.BATCH_MAX_SIZE, maxWaitMs: cfg.BATCH_MAX_WAIT_MS },
  maxSeqLen: Math.min(cfg.MAX_SEQ_LEN, assets.maxSeqLen), maxInputChars: cfg.MAX_INPUT_CHARS,
  broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
});
await runService({
  name: Services.inference, app, host: cfg.PIPELINE_HOST, port: cfg.INFERENCE_PORT, telemetry,
  graceMs: cfg.SHUTDOWN_GRACE_MS, extraServers: faults.servers,
  onClose: async () => {
    await faults.stop();
    await pool.close();
  },
});
