/** Millisecond attributes carry two decimals: enough to tell a cache hit from a miss, no noise beyond. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
