/**
 * Sample statistics, one definition for the harness, the bench and the tests. Quantiles
 * interpolate linearly between the two nearest ranks (numpy's default, and what k6's
 * p(95) does), so the harness's own percentiles read like k6's beside them, and the
 * median of an even sample is the mean of its two middle values.
 */

/** The p-quantiles (each 0 <= p <= 1) of one sample, sorted once; NaN for each when the sample is empty. */
export function quantiles(xs: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile ${p} is outside [0, 1]`);
  // A NaN would leave the sort order undefined, and every quantile with it.
  if (xs.some(Number.isNaN)) throw new RangeError('the sample holds a NaN; leave out what was not measured first');
  const s = [...xs].sort((a, b) => a - b);
  return ps.map((p) => {
    if (s.length === 0) return NaN;
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    const below = s[lo]!;
    // On a rank exactly (the ends included): no interpolation, which would turn Infinity into NaN.
    return h === lo ? below : below + (h - lo) * (s[lo + 1]! - below);
  });
}

/** The p-quantile (0 <= p <= 1) of a sample; NaN when it is empty. */
export function quantile(xs: readonly number[], p: number): number {
  return quantiles(xs, [p])[0]!;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}
