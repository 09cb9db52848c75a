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
  // A typed array sorts numerically without a comparator call per step: the bootstrap sorts
  // pooled samples of thousands of latencies a few thousand times per interval.
  const s = Float64Array.from(xs).sort();
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

/** One pair of a paired comparison: side a's and side b's sample, measured back to back. */
export interface BlockPair {
  a: readonly number[];
  b: readonly number[];
}

/**
 * A paired block-bootstrap interval for stat(pooled a) / stat(pooled b), where the two
 * sides were measured in alternating blocks (a then b, b then a, ...) and each side's
 * samples are pooled over the blocks. A resample draws pairs.length whole pairs with
 * replacement, pools the a and b samples of the pairs drawn and takes the ratio, so a
 * drift of the machine that moves both blocks of a pair alike cancels out, and what the
 * interval carries is how the ratio varies from pair to pair (the samples within a block
 * are not independent of each other: they share that block's machine load). The draws
 * depend only on the seed and the number of pairs, so two statistics of the same pairs
 * with the same seed are resampled alike.
 *
 * `stat` is a quantile level (0.5: the median, the default) or any function of a sample.
 * A level is computed without pooling: from the blocks sorted once, by counting how many
 * values of the drawn blocks lie below a candidate (the same value quantile() gives of the
 * pooled sample, at a small fraction of the cost on thousands of latencies per side).
 */
export function pairedBlockRatioCI(
  pairs: readonly BlockPair[], stat: number | ((xs: readonly number[]) => number) = 0.5, options: BootstrapOptions = {},
): RatioInterval {
  if (pairs.length === 0) throw new RangeError('the comparison needs at least one pair of blocks');
  if (pairs.some((p) => p.a.length === 0 || p.b.length === 0)) throw new RangeError('every block of every pair needs values');
  if (pairs.some((p) => p.a.some(Number.isNaN) || p.b.some(Number.isNaN))) throw new RangeError('a block holds a NaN; leave out what was not measured first');
  let ofSide: (side: 'a' | 'b', times: readonly number[]) => number;
  if (typeof stat === 'number') {
    if (!(stat >= 0 && stat <= 1)) throw new RangeError(`quantile ${stat} is outside [0, 1]`);
    const pooled = { a: new SortedBlocks(pairs.map((p) => p.a)), b: new SortedBlocks(pairs.map((p) => p.b)) };
    ofSide = (side, times) => pooled[side].quantile(times, stat);
  } else {
    ofSide = (side, times) => stat(pairs.flatMap((p, i) => Array.from({ length: times[i]! }, () => p[side]).flat()));
  }
  const ratioOf = (times: readonly number[]) => ofSide('a', times) / ofSide('b', times);
  // The one sample resampled is the pairs' indices: a draw is a whole pair, counted per pair.
  const ci = percentileBootstrap([pairs.map((_, i) => i)], ([drawn]) => {
    const times = new Array<number>(pairs.length).fill(0);
    for (const i of drawn!) times[i]!++;
    return ratioOf(times);
  }, options);
  return { ratio: ratioOf(pairs.map(() => 1)), ...ci };
}

/** Blocks of one side, each sorted once, pooled with a multiplicity per block without copying. */
class SortedBlocks {
  private readonly blocks: Float64Array[];
  /** Every value of every block, sorted: the candidates an order statistic is searched among. */
  private readonly all: Float64Array;

  constructor(blocks: readonly (readonly number[])[]) {
    this.blocks = blocks.map((b) => Float64Array.from(b).sort());
    this.all = Float64Array.from(blocks.flat()).sort();
  }

  /** quantile() of the pool that holds block i times[i] times. */
  quantile(times: readonly number[], p: number): number {
    const n = this.blocks.reduce((sum, b, i) => sum + b.length * times[i]!, 0);
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const below = this.orderStatistic(times, lo);
    return h === lo ? below : below + (h - lo) * (this.orderStatistic(times, lo + 1) - below);
  }

  /** The k-th smallest (from 0) value of the pool: the least candidate with more than k pooled values at or below it. */
  private orderStatistic(times: readonly number[], k: number): number {
    let lo = 0;
    let hi = this.all.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.atOrBelow(times, this.all[mid]!) > k) hi = mid;
      else lo = mid + 1;
    }
    return this.all[lo]!;
  }

  private atOrBelow(times: readonly number[], x: number): number {
    let count = 0;
    this.blocks.forEach((b, i) => {
      if (times[i] === 0) return;
      let lo = 0;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]! <= x) lo = mid + 1;
        else hi = mid;
      }
      count += lo * times[i]!;
    });
    return count;
  }
}
