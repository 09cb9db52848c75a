/** In-process measurements: cache hit vs store miss, and forward pass by batch size and length. */
import os from 'node:os';
import path from 'node:path';
import { median } from '../assertions/stats.ts';
import { FeatureCache } from '../target-pipeline/feature-extractor/cache.ts';
import { FeatureStore } from '../target-pipeline/feature-extractor/store.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { servedModelsForward } from './model.ts';

export const REPEATS = 15;

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

/**
 * Served vs raw forward pass by batch size and sequence length, pretrained model first,
 * then the generated one (bench/model.ts).
 */
export async function forwardPass() {
  const models = await servedModelsForward();
  return { provider: [...new Set(models.map((m) => m.provider))].join(', '), cpus: os.cpus().length, models };
}
