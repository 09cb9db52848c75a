/**
 * The feature store: a SQLite event log (node:sqlite) from which each entity's feature
 * vector is aggregated on demand. Opening reuses an existing file when it was built with
 * the same seed and size, because building the default store takes seconds.
 */
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { existsSync, rmSync } from 'node:fs';
import { DATASET_END_TS, buildStoreFile, metaFor } from './build-store.ts';
import type { StoreSize } from './build-store.ts';
import { entityIdFor } from './entity-id.ts';
import { FEATURE_SQL, rowToVector } from './feature-query.ts';
import type { FeatureRow } from './feature-query.ts';

export { FEATURE_DIM, FEATURE_NAMES } from './feature-query.ts';

/**
 * Sized so one entity's features cost tens of milliseconds (≈3,000 scattered rows, four
 * window orderings) while the whole build stays within seconds: 6M events, ≈420 MB.
 */
export const DEFAULT_ENTITIES = 2_000;
export const DEFAULT_EVENTS_PER_ENTITY = 3_000;
export const DEFAULT_SEED = 42;

export interface FeatureStoreOptions {
  path: string;
  entities?: number;
  eventsPerEntity?: number;
  seed?: number;
}

/** What the feature path needs from a store; tests can supply a fake. */
export interface FeatureSource {
  computeFeatures(ids: readonly string[]): Map<string, number[]>;
}

export class FeatureStore implements FeatureSource {
  readonly path: string;
  readonly size: StoreSize;
  /** True when open() had to build the file rather than reuse it. */
  readonly built: boolean;
  private readonly db: DatabaseSync;
  private readonly featureQuery: StatementSync;

  private constructor(path: string, size: StoreSize, built: boolean) {
    this.path = path;
    this.size = size;
    this.built = built;
    this.db = new DatabaseSync(path, { readOnly: true });
    this.featureQuery = this.db.prepare(FEATURE_SQL);
  }

  /** Opens the store at `path`, building it first unless a matching one is already there. */
  static open(options: FeatureStoreOptions): FeatureStore {
    const size: StoreSize = {
      entities: options.entities ?? DEFAULT_ENTITIES,
      eventsPerEntity: options.eventsPerEntity ?? DEFAULT_EVENTS_PER_ENTITY,
      seed: options.seed ?? DEFAULT_SEED,
    };
    checkSize(size);
    const reusable = existsSync(options.path) && matchesMeta(options.path, size);
    if (!reusable) {
      rmSync(options.path, { force: true });
      buildStoreFile(options.path, size);
    }
    return new FeatureStore(options.path, size, !reusable);
  }

  /**
   * Aggregates each known entity's feature vector from its raw events. Unknown ids are
   * left out of the map rather than given a made-up vector: the caller reports them.
   */
  computeFeatures(ids: readonly string[]): Map<string, number[]> {
    const features = new Map<string, number[]>();
    for (const id of new Set(ids)) {
      const row = this.featureQuery.get(id, DATASET_END_TS) as FeatureRow | undefined;
      if (row === undefined || Number(row['event_count']) === 0) continue;
      features.set(id, rowToVector(row));
    }
    return features;
  }

  /** The first `limit` entity ids in the store (all of them by default), for load generators. */
  knownEntityIds(limit = this.size.entities): string[] {
    const count = Math.max(0, Math.min(limit, this.size.entities));
    return Array.from({ length: count }, (_, i) => entityIdFor(i));
  }

  close(): void {
    this.db.close();
  }
}

function checkSize(size: StoreSize): void {
  for (const [name, value] of Object.entries(size)) {
    const min = name === 'seed' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`FeatureStore.open: ${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  }
  if (size.entities > 999_999) {
    throw new Error(`FeatureStore.open: entities must be <= 999999 (six-digit ids), got ${size.entities}`);
  }
}

/** False for a file that is not a store, is from another generator version, or another size. */
function matchesMeta(path: string, size: StoreSize): boolean {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    const found = new Map(rows.map((r) => [r.key, r.value]));
    return Object.entries(metaFor(size)).every(([key, value]) => found.get(key) === value);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}
