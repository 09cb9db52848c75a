import type { Server } from 'node:http';
import type { PipelineConfig } from '../target-pipeline/config.ts';
import type { ModelAssets } from '../target-pipeline/model/assets.ts';
import type { InferencePool } from '../target-pipeline/inference/engine/pool.ts';
import type { InferenceFaultHooks } from '../target-pipeline/inference/fault-hooks.ts';
import type { DeviceSemaphore } from '../target-pipeline/inference/semaphore.ts';
import type { TokenizerHolder } from '../target-pipeline/inference/tokenizer-holder.ts';
import { startFaultServer } from './admin/fault-server.ts';
import { BoundFault } from './fault.ts';
import { gpuStarvation, type GpuStarvationRuntime } from './gpu-starvation.ts';
import { outputCorruption, type OutputCorruptionRuntime } from './output-corruption.ts';
import { tokenizerReload, type TokenizerReloadRuntime } from './tokenizer-reload.ts';

/** The inference service's faults: none (and no endpoint) unless FAULT_INJECTION=on. */
export async function startInferenceFaults(cfg: PipelineConfig, t: {
  semaphore: DeviceSemaphore; pool: InferencePool; tokenizers: TokenizerHolder; assets: ModelAssets;
}): Promise<{ hooks: InferenceFaultHooks; servers: Server[]; stop(): Promise<void> }> {
  if (cfg.FAULT_INJECTION !== 'on') return { hooks: {}, servers: [], stop: async () => {} };
  const starvation = new BoundFault(gpuStarvation, {
    semaphore: t.semaphore, pool: t.pool, featureDim: t.assets.featureDim, vocabSize: t.assets.vocabSize,
    maxSeqLen: Math.min(cfg.MAX_SEQ_LEN, t.assets.maxSeqLen),
  });
  const corruption = new BoundFault(outputCorruption, {});
  const reload = new BoundFault(tokenizerReload, { tokenizers: t.tokenizers });
  const all = [starvation, corruption, reload];
  const server = await startFaultServer({
    service: 'inference', host: cfg.ADMIN_HOST, port: cfg.INFERENCE_ADMIN_PORT, token: cfg.FAULT_ADMIN_TOKEN!, faults: all,
  });
  const s = starvation.runtime as GpuStarvationRuntime;
  const c = corruption.runtime as OutputCorruptionRuntime;
  const r = reload.runtime as TokenizerReloadRuntime;
  return {
    hooks: {
      beforeTokenize: (fired) => r.beforeTokenize(fired),
      afterPermit: (queued, fired) => s.afterPermit(queued, fired),
      corruptOutput: (text, fired) => c.corrupt(text, fired),
    },
    servers: [server],
    stop: async () => all.forEach((f) => f.reset()),
  };
}
