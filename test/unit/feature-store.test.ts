import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { median } from '../../assertions/stats.ts';
import { DATASET_END_TS } from '../../target-pipeline/feature-extractor/build-store.ts';
import { entityIdFor, unknownEntityId } from '../../target-pipeline/feature-extractor/entity-id.ts';
import { FEATURE_DIM, FEATURE_NAMES, FeatureStore } from '../../target-pipeline/feature-extractor/store.ts';

// Small enough to build in well under a second on a loaded 2-core machine.
const SMALL = { entities: 12, eventsPerEntity: 150, seed: 7 };

let dir: string;
let store: FeatureStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'feature-store-'));
  store = FeatureStore.open({ path: join(dir, 'a.sqlite'), ...SMALL });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function feature(vector: number[] | undefined, name: (typeof FEATURE_NAMES)[number]): number {
  return vector?.[FEATURE_NAMES.indexOf(name)] ?? Number.NaN;
}

describe('FeatureStore', () => {
  it('should return a finite FEATURE_DIM vector when the entity is known', () => {
    const ids = store.knownEntityIds();
    expect(ids).toHaveLength(SMALL.entities);
    const features = store.computeFeatures(ids);
    expect(features.size).toBe(SMALL.entities);
    for (const vector of features.values()) {
      expect(vector).toHaveLength(FEATURE_DIM);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(feature(vector, 'event_count')).toBe(SMALL.eventsPerEntity);
    }
  });

  it('should leave an id out of the map when the store does not know it (a ghost, or an index past its entities)', () => {
    const [known] = store.knownEntityIds(1);
    const features = store.computeFeatures([known as string, unknownEntityId(1), entityIdFor(SMALL.entities)]);
    expect([...features.keys()]).toEqual([known]);
  });

  it('should compute identical features when built twice from the same seed', () => {
    const other = FeatureStore.open({ path: join(dir, 'b.sqlite'), ...SMALL });
    try {
      expect(other.built).toBe(true);
      const ids = store.knownEntityIds();
      expect(other.computeFeatures(ids)).toEqual(store.computeFeatures(ids));
    } finally {
      other.close();
    }
  });

  it('should compute different features when the seed differs', () => {
    const other = FeatureStore.open({ path: join(dir, 'c.sqlite'), ...SMALL, seed: SMALL.seed + 1 });
    try {
      const ids = store.knownEntityIds(3);
      expect(other.computeFeatures(ids)).not.toEqual(store.computeFeatures(ids));
    } finally {
      other.close();
    }
  });

  it('should reuse the file when reopened with the same seed and size', () => {
    const path = join(dir, 'a.sqlite');
    const before = statSync(path).mtimeMs;
    const again = FeatureStore.open({ path, ...SMALL });
    try {
      expect(again.built).toBe(false);
      expect(statSync(path).mtimeMs).toBe(before);
    } finally {
      again.close();
    }
  });

  it('should rebuild the file when reopened with a different size', () => {
    const path = join(dir, 'd.sqlite');
    FeatureStore.open({ path, ...SMALL }).close();
    const resized = FeatureStore.open({ path, ...SMALL, entities: SMALL.entities + 1 });
    try {
      expect(resized.built).toBe(true);
      expect(resized.computeFeatures(resized.knownEntityIds()).size).toBe(SMALL.entities + 1);
    } finally {
      resized.close();
    }
  });

  it('should match a direct recomputation from the raw events when aggregating', () => {
    const [id] = store.knownEntityIds(1) as [string];
    const raw = new DatabaseSync(join(dir, 'a.sqlite'), { readOnly: true });
    const rows = raw.prepare('SELECT ts, kind, amount, merchant_id FROM raw_events WHERE entity_id = ?').all(id) as {
      ts: number;
      kind: string;
      amount: number | null;
      merchant_id: number | null;
    }[];
    raw.close();
    const amounts = rows.flatMap((r) => (r.amount === null ? [] : [r.amount])).sort((a, b) => a - b);
    const vector = store.computeFeatures([id]).get(id);

    expect(feature(vector, 'event_count')).toBe(rows.length);
    expect(feature(vector, 'amount_sum')).toBeCloseTo(amounts.reduce((a, b) => a + b, 0), 6);
    expect(feature(vector, 'amount_min')).toBe(amounts[0]);
    expect(feature(vector, 'amount_max')).toBe(amounts.at(-1));
    expect(feature(vector, 'amount_median')).toBeCloseTo(median(amounts), 9);
    expect(feature(vector, 'purchase_count')).toBe(rows.filter((r) => r.kind === 'purchase').length);
    expect(feature(vector, 'distinct_merchants')).toBe(new Set(rows.flatMap((r) => r.merchant_id ?? [])).size);
    const lastTs = Math.max(...rows.map((r) => r.ts));
    expect(feature(vector, 'days_since_last_event')).toBeCloseTo((DATASET_END_TS - lastTs) / 86_400, 9);
    expect(feature(vector, 'max_events_in_1h')).toBeGreaterThanOrEqual(1);
  });

  it('should name the bad setting when a size is invalid', () => {
    expect(() => FeatureStore.open({ path: join(dir, 'e.sqlite'), ...SMALL, eventsPerEntity: 0 })).toThrow(
      /eventsPerEntity must be an integer >= 1/,
    );
  });
});
