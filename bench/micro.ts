/** In-process measurements: cache hit vs store miss, and forward pass by batch size and length. */
import os from 'node:os';
import path from 'node:path';
import { median } from '../assertions/stats.ts';
import { FeatureCache } from '../target-pipeline/feature-extractor/cache.ts';
import { FeatureStore } from '../target-pipeline/feature-extractor/store.ts';
import { InferencePool } from '../target-pipeline/inference/engine/pool.ts';
import { ensureAssets } from '../target-pipeline/model/assets.ts';
import { REPO_ROOT } from '../stack/tools.ts';

export const REPEATS = 15;
export const BATCH_SIZES = [1, 4, 8, 16];
export const SEQ_LENS = [16, 64, 128];

export async function cacheVsStore(dbPath = path.join(REPO_ROOT, '.runs/feature-store.sqlite')) {
  const store = FeatureStore.open({ path: dbPath });
  const cache = new FeatureCache({ ttlMs: 600_000, maxEntries: 10_000 });
  const ids = store.knownEntityIds(400);
  const miss1: number[] = [];
  const miss8: number[] = [];
  const hit1: number[] = [];
  const hit16: number[] = [];
  // Interleaved in one loop, so both sides see the same machine load.
  for (let r = 0; r < REPEATS; r++) {
    const one = [ids[r * 9]!];
    const eight = ids.slice(r * 9 + 1, r * 9 + 9);
    let t = performance.now();
    const f1 = store.computeFeatures(one);
    miss1.push(performance.now() - t);
    t = performance.now();
    const f8 = store.computeFeatures(eight);
    miss8.push(performance.now() - t);
    for (const [k, v] of [...f1, ...f8]) cache.set(k, v);
    t = performance.now();
    cache.mget(one);
    hit1.push(performance.now() - t);
    const sixteen = [...one, ...eight, ...eight.slice(0, 7)];
    t = performance.now();
    cache.mget(sixteen);
    hit16.push(performance.now() - t);
  }
  store.close();
  return {
    miss_1_entity_ms: median(miss1), miss_8_entities_ms: median(miss8),
    hit_1_entity_ms: median(hit1), hit_16_entities_ms: median(hit16),
    miss_over_hit_ratio: median(miss1) / Math.max(median(hit1), 1e-6),
  };
}

export async function forwardPass() {
  const assets = await ensureAssets();
  const pool = await InferencePool.create({ modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1 });
  const rows: { batch: number; seq: number; median_ms: number; per_sequence_ms: number }[] = [];
  try {
    for (const batch of BATCH_SIZES) {
      for (const seq of SEQ_LENS) {
        const times: number[] = [];
        for (let r = 0; r < REPEATS; r++) {
          const n = batch * seq;
          const inputIds = new BigInt64Array(n).map((_, i) => BigInt(5 + (i * 7919) % (assets.vocabSize - 5)));
          const out = await pool.run({ inputIds, attentionMask: new BigInt64Array(n).fill(1n), features: new Float32Array(batch * assets.featureDim), batchSize: batch, seqLen: seq });
          if (r > 0) times.push(out.forwardPassMs); // the first run of each shape pays allocation
        }
        rows.push({ batch, seq, median_ms: median(times), per_sequence_ms: median(times) / batch });
      }
    }
  } finally {
    await pool.close();
  }
  return { provider: pool.provider, cpus: os.cpus().length, rows };
}
