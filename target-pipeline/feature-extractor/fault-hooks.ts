/**
 * Seams where the cache-eviction fault observes the feature path. With no fault
 * enabled they do nothing. `fired` goes to the gateway's ledger out of band.
 */
export interface FeatureFaultHooks {
  /** After the cache lookup: decides whether this request's misses were caused by the fault. */
  afterLookup?(missed: readonly string[], fired: Set<string>): void;
  /** After misses were computed and cached again. */
  afterFill?(ids: readonly string[]): void;
}
