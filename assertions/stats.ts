/**
 * Sample statistics, one definition for the harness, the bench and the tests. Quantiles
 * interpolate linearly between the two nearest ranks (numpy's default, and what k6's
 * p(95) does), so the harness's own percentiles read like k6's beside them, and the
 * median of an even sample is the mean of its two middle values.
 */
import { mulberry32 } from '../target-pipeline/model/prng.ts';

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

/** Percentile-bootstrap defaults: enough resamples that the interval's ends move by well under their width between seeds. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 1;
export const BOOTSTRAP_LEVEL = 0.95;

export interface RatioInterval {
  /** stat(a) / stat(b) of the samples as they are. */
  ratio: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** The same seed gives the same interval, so a report can be reproduced from its data. */
  seed?: number;
  /** Coverage of the interval, strictly between 0 and 1. */
  level?: number;
}

/**
 * The percentile-bootstrap core both intervals share: each resample draws every sample
 * with replacement, each at its own size and in the order given (so one seed gives the
 * same draws however the statistic combines them), and the interval is the quantiles of
 * `combine` over the resamples.
 */
function percentileBootstrap(
  samples: readonly (readonly number[])[], combine: (draws: number[][]) => number, options: BootstrapOptions,
): { low: number; high: number; level: number; resamples: number } {
  const { resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED, level = BOOTSTRAP_LEVEL } = options;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level ${level} is outside (0, 1)`);
  if (samples.some((xs) => xs.some(Number.isNaN))) throw new RangeError('a sample holds a NaN; leave out what was not measured first');
  const next = mulberry32(seed);
  const draw = (xs: readonly number[]): number[] => Array.from(xs, () => xs[Math.floor(next() * xs.length)]!);
  const values = Array.from({ length: resamples }, () => combine(samples.map(draw)));
  const tail = (1 - level) / 2;
  const [low, high] = quantiles(values, [tail, 1 - tail]) as [number, number];
  return { low, high, level, resamples };
}

/**
 * A percentile-bootstrap confidence interval for stat(a) / stat(b) of two independent
 * samples (two sides measured in alternation, not pairs): each resample draws a and b
 * with replacement, each within its own side and at its own size, so the interval
 * carries the spread of both sides.
 */
export function bootstrapRatioCI(
  a: readonly number[], b: readonly number[], stat: (xs: readonly number[]) => number = median,
  options: BootstrapOptions = {},
): RatioInterval {
  if (a.length === 0 || b.length === 0) throw new RangeError(`both samples need values (got ${a.length} and ${b.length})`);
  const ci = percentileBootstrap([a, b], ([x, y]) => stat(x!) / stat(y!), options);
  return { ratio: stat(a) / stat(b), ...ci };
}

export interface StatInterval {
  /** stat(xs) of the sample as it is. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/**
 * A percentile-bootstrap confidence interval for stat(xs) of one sample, such as
 * per-call ratios of two timings taken on the same call (pairs already reduced to one
 * number each): each resample draws xs.length values from xs with replacement.
 */
export function bootstrapCI(
  xs: readonly number[], stat: (xs: readonly number[]) => number = median, options: BootstrapOptions = {},
): StatInterval {
  if (xs.length === 0) throw new RangeError('the sample needs values');
  const ci = percentileBootstrap([xs], ([x]) => stat(x!), options);
  return { estimate: stat(xs), ...ci };
}
