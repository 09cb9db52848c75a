import { describe, expect, it } from 'vitest';
import { entityIdFor } from '../../target-pipeline/feature-extractor/entity-id.ts';
import { BENCH_TEXTS, entityId, TEXTS } from '../../scenarios/lib/traffic.ts';

describe('the k6 loads\' traffic (scenarios/lib/traffic.ts)', () => {
  it('should make exactly the feature store\'s entity ids, the one copy k6 keeps of their format', () => {
    for (const i of [0, 1, 42, 99, 12_345, 999_999]) expect(entityId(i), `entity ${i}`).toBe(entityIdFor(i));
  });

  it('should send the bench\'s texts as part of the scenarios\' texts, each once', () => {
    expect(TEXTS.slice(0, BENCH_TEXTS.length)).toEqual(BENCH_TEXTS);
    expect(new Set(TEXTS).size).toBe(TEXTS.length);
  });
});
