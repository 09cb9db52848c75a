/**
 * The feature store's entity ids, the one definition of their format: `user-` and a
 * six-digit index (user-000042). The harness imports it from here; k6 cannot, so
 * scenarios/lib/traffic.ts repeats it, and test/unit/traffic.test.ts holds the two equal.
 */
const INDEX_DIGITS = 6;

export function entityIdFor(index: number): string {
  return `user-${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/** An id that is well-formed but never present in any store, to exercise "unavailable". */
export function unknownEntityId(index: number): string {
  return `ghost-${String(index).padStart(INDEX_DIGITS, '0')}`;
}
