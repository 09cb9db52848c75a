import type { Server } from 'node:http';
import type { PipelineConfig } from '../target-pipeline/config.ts';
import type { FeatureCache } from '../target-pipeline/feature-extractor/cache.ts';
import type { FeatureFaultHooks } from '../target-pipeline/feature-extractor/fault-hooks.ts';
import { startFaultServer } from './admin/fault-server.ts';
import { cacheEviction, type CacheEvictionRuntime } from './cache-eviction.ts';
import { BoundFault } from './fault.ts';

/** The feature extractor's faults: none (and no endpoint) unless FAULT_INJECTION=on. */
export async function startFeatureFaults(cfg: PipelineConfig, target: { cache: FeatureCache }): Promise<{
  hooks: FeatureFaultHooks; servers: Server[]; stop(): Promise<void>;
}> {
  if (cfg.FAULT_INJECTION !== 'on') return { hooks: {}, servers: [], stop: async () => {} };
  const fault = new BoundFault(cacheEviction, target);
  const server = await startFaultServer({
    service: 'feature-extractor', host: cfg.ADMIN_HOST, port: cfg.FEATURE_EXTRACTOR_ADMIN_PORT, token: cfg.FAULT_ADMIN_TOKEN!, faults: [fault],
  });
  return {
    hooks: (fault.runtime as CacheEvictionRuntime).hooks,
    servers: [server],
    stop: async () => fault.reset(),
  };
}
