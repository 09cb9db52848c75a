/** ml.feature_extractor: a cache in front of a real SQLite feature store. */
import { loadPipelineConfig } from '../config.ts';
import { Services } from '../semconv.ts';
import { runService } from '../service/run.ts';
import { telemetryFromEnv } from '../telemetry/env.ts';
import { FeatureCache } from './cache.ts';
import { featureApp } from './service.ts';
import { FEATURE_DIM, FeatureStore } from './store.ts';
import { startFeatureFaults } from '../../faults/feature-faults.ts';

const cfg = loadPipelineConfig();
const telemetry = telemetryFromEnv(Services.featureExtractor);
const t0 = performance.now();
const store = FeatureStore.open({ path: cfg.FEATURE_DB_PATH, entities: cfg.FEATURE_ENTITIES });
console.log(`feature-extractor: store ${cfg.FEATURE_DB_PATH} (${store.built ? 'built' : 'reused'} in ${Math.round(performance.now() - t0)} ms)`);
const cache = new FeatureCache({ ttlMs: cfg.FEATURE_CACHE_TTL_MS, maxEntries: cfg.FEATURE_CACHE_MAX_ENTRIES });
const faults = await startFeatureFaults(cfg, { cache });

const app = featureApp({
  tracer: telemetry.tracer, meter: telemetry.meter, cache, store, featureDim: FEATURE_DIM,
  maxIds: cfg.MAX_FEATURE_IDS, hooks: faults.hooks, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
});
await runService({
  name: Services.featureExtractor, app, host: cfg.PIPELINE_HOST, port: cfg.FEATURE_EXTRACTOR_PORT, telemetry,
  graceMs: cfg.SHUTDOWN_GRACE_MS, extraServers: faults.servers,
  onClose: async () => {
    await faults.stop();
    store.close();
  },
});
