/**
 * Before any integration file runs: the feature store that every file's pipeline opens
 * (the default FEATURE_DB_PATH, shared so it is built once) exists, so that two files
 * starting at once never both build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPipelineConfig } from '../../target-pipeline/config.ts';
import { FeatureStore } from '../../target-pipeline/feature-extractor/store.ts';

export default function setup(): void {
  const cfg = loadPipelineConfig({});
  fs.mkdirSync(path.dirname(cfg.FEATURE_DB_PATH), { recursive: true });
  FeatureStore.open({ path: cfg.FEATURE_DB_PATH, entities: cfg.FEATURE_ENTITIES }).close();
}
