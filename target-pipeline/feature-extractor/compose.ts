import { Services } from '../semconv.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import { FeatureCache, type FeatureCacheApi } from './cache.ts';
import { featureApp } from './service.ts';
import { FEATURE_DIM, FeatureStore } from './store.ts';

export interface FeatureComponents {
  cache: FeatureCacheApi;
  store: FeatureStore;
}

/** ml.feature_extractor: a cache in front of a real SQLite feature store. */
export const featureExtractorService: ServiceDefinition<FeatureComponents> = {
  id: 'feature-extractor',
  serviceName: Services.featureExtractor,
  port: (cfg) => cfg.FEATURE_EXTRACTOR_PORT,
  compose: async (cfg) => {
    const t0 = performance.now();
    const store = FeatureStore.open({ path: cfg.FEATURE_DB_PATH, entities: cfg.FEATURE_ENTITIES });
    console.log(`feature-extractor: store ${cfg.FEATURE_DB_PATH} (${store.built ? 'built' : 'reused'} in ${Math.round(performance.now() - t0)} ms)`);
    return { store, cache: new FeatureCache({ ttlMs: cfg.FEATURE_CACHE_TTL_MS, maxEntries: cfg.FEATURE_CACHE_MAX_ENTRIES }) };
  },
  app: (cfg, telemetry, c) => featureApp({
    tracer: telemetry.tracer, meter: telemetry.meter, cache: c.cache, store: c.store, featureDim: FEATURE_DIM,
    maxIds: cfg.MAX_FEATURE_IDS, broken: cfg.HARNESS_BREAK_INSTRUMENTATION,
  }),
  close: (c) => c.store.close(),
};
