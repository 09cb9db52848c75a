import { describe, expect, it } from 'vitest';
import { bootstrapCI, bootstrapRatioCI, median, pairedBlockRatioCI, quantile, quantiles, type BlockPair } from '../../assertions/stats.ts';
import { mulberry32 } from '../../target-pipeline/model/prng.ts';

describe('quantile and median', () => {
  it('should give NaN when the sample is empty', () => {
    expect(median([])).toBeNaN();
    expect(quantiles([], [0, 0.5, 1])).toEqual([NaN, NaN, NaN]);
  });

  it('should give the one value at every quantile when the sample has one element', () => {
    expect(quantiles([7], [0, 0.5, 0.99, 1])).toEqual([7, 7, 7, 7]);
  });

  it('should give the minimum at 0 and the maximum at 1 whatever the input order', () => {
    expect(quantiles([5, 1, 9, 3], [0, 1])).toEqual([1, 9]);
  });

  it('should interpolate linearly between the two nearest ranks when p falls between them', () => {
    // Ranks 0..4 hold 10..50: p = 0.9 sits at rank 3.6, 40 + 0.6 * (50 - 40).
    expect(quantile([50, 10, 40, 20, 30], 0.9)).toBeCloseTo(46, 12);
    expect(quantile([1, 2], 0.25)).toBeCloseTo(1.25, 12);
  });

  it('should give the mean of the two middle values as the median of an even sample', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('should not change its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('should keep infinite values when p falls on their rank', () => {
    expect(quantile([1, Infinity], 1)).toBe(Infinity);
  });

  it('should reject a NaN in the sample and a p outside [0, 1]', () => {
    expect(() => median([1, NaN])).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(/outside \[0, 1\]/);
  });
});

describe('bootstrapRatioCI', () => {
  const sample = [9.8, 10.4, 10.1, 11.9, 9.5, 10.0, 10.7, 13.2, 9.9, 10.3, 10.6, 12.1];

  it('should give a ratio of 1 and an interval holding 1 when both samples are the same', () => {
    const ci = bootstrapRatioCI(sample, sample);
    expect(ci.ratio).toBe(1);
    expect(ci.low).toBeLessThan(1);
    expect(ci.high).toBeGreaterThan(1);
  });

  it('should centre the interval on 2 when one sample is the other scaled by 2', () => {
    const ci = bootstrapRatioCI(sample.map((x) => 2 * x), sample);
    expect(ci.ratio).toBe(2);
    expect(ci.low).toBeLessThan(2);
    expect(ci.high).toBeGreaterThan(2);
    // Both sides resample alike, so 2 sits in the middle on a log scale: low * high near 2^2.
    expect(ci.low * ci.high).toBeCloseTo(4, 0);
  });

  it('should give a zero-width interval when each sample is one value repeated', () => {
    expect(bootstrapRatioCI([3, 3, 3], [1.5, 1.5])).toMatchObject({ ratio: 2, low: 2, high: 2 });
  });

  it('should give the same interval for the same seed and a narrower one for a lower level', () => {
    const other = sample.map((x, i) => x * (1 + (i % 3) / 10));
    const wide = bootstrapRatioCI(other, sample, median, { seed: 7, level: 0.95 });
    expect(bootstrapRatioCI(other, sample, median, { seed: 7, level: 0.95 })).toEqual(wide);
    const narrow = bootstrapRatioCI(other, sample, median, { seed: 7, level: 0.5 });
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  it('should use the statistic it is given', () => {
    const max = (xs: readonly number[]) => Math.max(...xs);
    expect(bootstrapRatioCI([1, 2, 10], [1, 5], max).ratio).toBe(2);
  });

  it('should cover the true ratio about as often as its level says when both sides come from one distribution', () => {
    // Both sides uniform on [1, 2): the true ratio of medians is 1. Coverage is counted
    // over independent pairs of samples and allowed four binomial standard deviations at
    // TRIALS, which also holds the percentile bootstrap's slight over-coverage for a
    // median at this sample size (about +0.02 to +0.06 seen at 400 trials).
    const TRIALS = 200;
    const SIZE = 25;
    const RESAMPLES = 200;
    const next = mulberry32(42);
    const draw = () => Array.from({ length: SIZE }, () => 1 + next());
    for (const level of [0.9, 0.5]) {
      let hits = 0;
      for (let t = 0; t < TRIALS; t++) {
        const ci = bootstrapRatioCI(draw(), draw(), median, { level, seed: t, resamples: RESAMPLES });
        if (ci.low <= 1 && 1 <= ci.high) hits++;
      }
      const band = 4 * Math.sqrt((level * (1 - level)) / TRIALS);
      expect(Math.abs(hits / TRIALS - level), `coverage at level ${level}: ${hits / TRIALS}`).toBeLessThan(band);
    }
  });

  it('should reject an empty sample, a NaN, a level outside (0, 1) and a resample count below 1', () => {
    expect(() => bootstrapRatioCI([], [1])).toThrow(RangeError);
    expect(() => bootstrapRatioCI([1, NaN], [1])).toThrow(/NaN/);
    expect(() => bootstrapRatioCI([1], [1], median, { level: 1 })).toThrow(/outside \(0, 1\)/);
    expect(() => bootstrapRatioCI([1], [1], median, { resamples: 0 })).toThrow(/resamples/);
  });
});

describe('bootstrapCI', () => {
  it('should give the exact percentiles of the resampled medians of a two-value sample', () => {
    // Resamples of [1, 2] have median 1 (one in four), 1.5 (two in four) or 2 (one in four):
    // the 2.5 % and 97.5 % points are 1 and 2, the 30 % and 70 % points both 1.5.
    expect(bootstrapCI([1, 2])).toMatchObject({ estimate: 1.5, low: 1, high: 2, level: 0.95 });
    expect(bootstrapCI([2, 1], median, { level: 0.4 })).toMatchObject({ estimate: 1.5, low: 1.5, high: 1.5 });
  });

  it('should give about the normal-theory interval for the mean of a large sample', () => {
    // n = 400 uniform values: the bootstrap distribution of the mean is close to normal with
    // the sample's own (divide-by-n) standard deviation over sqrt(n), so the 95 % interval is
    // mean +- 1.96 sd / sqrt(n); allowed a tenth of its half-width for resampling error.
    const next = mulberry32(3);
    const xs = Array.from({ length: 400 }, () => next());
    const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const m = mean(xs);
    const half = (1.96 * Math.sqrt(mean(xs.map((x) => (x - m) ** 2)))) / Math.sqrt(xs.length);
    const ci = bootstrapCI(xs, mean);
    expect(ci.estimate).toBe(m);
    expect(Math.abs(ci.low - (m - half))).toBeLessThan(half / 10);
    expect(Math.abs(ci.high - (m + half))).toBeLessThan(half / 10);
  });

  it('should give a zero-width interval when the sample is one value repeated', () => {
    expect(bootstrapCI([1.25, 1.25, 1.25])).toMatchObject({ estimate: 1.25, low: 1.25, high: 1.25 });
  });

  it('should give the same interval for the same seed and a narrower one for a lower level', () => {
    const xs = [1.02, 1.05, 1.04, 1.2, 1.03, 1.08, 1.01, 1.06, 1.11, 1.04];
    const wide = bootstrapCI(xs, median, { seed: 7 });
    expect(bootstrapCI(xs, median, { seed: 7 })).toEqual(wide);
    const narrow = bootstrapCI(xs, median, { seed: 7, level: 0.5 });
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  it('should cover the true median about as often as its level says', () => {
    // Uniform on [1, 2): the true median is 1.5. As for bootstrapRatioCI, four binomial
    // standard deviations at TRIALS.
    const TRIALS = 200;
    const next = mulberry32(43);
    for (const level of [0.9, 0.5]) {
      let hits = 0;
      for (let t = 0; t < TRIALS; t++) {
        const ci = bootstrapCI(Array.from({ length: 25 }, () => 1 + next()), median, { level, seed: t, resamples: 200 });
        if (ci.low <= 1.5 && 1.5 <= ci.high) hits++;
      }
      const band = 4 * Math.sqrt((level * (1 - level)) / TRIALS);
      expect(Math.abs(hits / TRIALS - level), `coverage at level ${level}: ${hits / TRIALS}`).toBeLessThan(band);
    }
  });

  it('should reject an empty sample, a NaN, a level outside (0, 1) and a resample count below 1', () => {
    expect(() => bootstrapCI([])).toThrow(RangeError);
    expect(() => bootstrapCI([1, NaN])).toThrow(/NaN/);
    expect(() => bootstrapCI([1], median, { level: 0 })).toThrow(/outside \(0, 1\)/);
    expect(() => bootstrapCI([1], median, { resamples: 1.5 })).toThrow(/resamples/);
  });
});

describe('pairedBlockRatioCI', () => {
  // Eight rounds of two blocks each, as the bench measures them: every block its own
  // sample of latencies around a level that drifts from round to round.
  const next = mulberry32(11);
  const block = (level: number, n = 40) => Array.from({ length: n }, () => level * (0.9 + 0.2 * next()));
  const levels = [20, 23, 19, 26, 21, 24, 18, 22];
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('should give exactly [1, 1] when both blocks of every pair hold the same sample', () => {
    const pairs: BlockPair[] = levels.map((l) => { const xs = block(l); return { a: xs, b: xs }; });
    expect(pairedBlockRatioCI(pairs)).toMatchObject({ ratio: 1, low: 1, high: 1, level: 0.95 });
    expect(pairedBlockRatioCI(pairs, 0.99)).toMatchObject({ ratio: 1, low: 1, high: 1 });
  });

  it('should give an interval at 1.1 when side a is side b shifted by 10% in every pair', () => {
    const pairs: BlockPair[] = levels.map((l) => { const b = block(l); return { a: b.map((x) => 1.1 * x), b }; });
    const ci = pairedBlockRatioCI(pairs);
    expect(ci.ratio).toBeCloseTo(1.1, 12);
    expect(ci.low).toBeCloseTo(1.1, 12);
    expect(ci.high).toBeCloseTo(1.1, 12);
  });

  it('should hold 1.1 in a narrow interval when the two blocks of a pair are separate draws at a 10% shift', () => {
    const pairs: BlockPair[] = levels.map((l) => ({ a: block(1.1 * l), b: block(l) }));
    const ci = pairedBlockRatioCI(pairs);
    expect(ci.low).toBeLessThan(1.1);
    expect(ci.high).toBeGreaterThan(1.1);
    expect(ci.high - ci.low).toBeLessThan(0.1);
  });

  it('should cancel a drift that moves both blocks of a pair alike, where resampling single values does not', () => {
    // The level more than doubles between rounds (10 to 30), each block within 2% of its
    // round's level, and both sides of a round share it. Which rounds a resample draws moves
    // both pooled medians alike, so their ratio stays near 1.05; resampling single values
    // as if independent lets each side's median jump between rounds on its own.
    const tight = (level: number) => Array.from({ length: 100 }, () => level * (0.98 + 0.04 * next()));
    const pairs: BlockPair[] = [10, 20, 15, 30, 12, 25, 18, 22].map((l) => ({ a: tight(1.05 * l), b: tight(l) }));
    const paired = pairedBlockRatioCI(pairs);
    const unpaired = bootstrapRatioCI(pairs.flatMap((p) => p.a), pairs.flatMap((p) => p.b));
    expect(paired.low).toBeLessThan(1.05);
    expect(paired.high).toBeGreaterThan(1.05);
    expect(paired.high - paired.low).toBeLessThan((unpaired.high - unpaired.low) / 4);
  });

  it('should carry a pair-to-pair spread in the ratio that the samples within each block do not show', () => {
    // Each round has its own overhead (1.00 to 1.20) on a noiseless block: the interval
    // spans about that range, though every block taken alone is exact.
    const factors = [1.0, 1.2, 1.05, 1.15, 1.1, 1.0, 1.2, 1.1];
    const pairs: BlockPair[] = factors.map((k) => ({ a: [10 * k, 10 * k], b: [10, 10] }));
    const ci = pairedBlockRatioCI(pairs, mean);
    expect(ci.ratio).toBeCloseTo(1.1, 12);
    expect(ci.low).toBeGreaterThanOrEqual(1.0);
    expect(ci.low).toBeLessThan(1.08);
    expect(ci.high).toBeGreaterThan(1.13);
    expect(ci.high).toBeLessThanOrEqual(1.2);
  });

  it('should give the same interval for the same seed, and draw the same pairs for two statistics', () => {
    const pairs: BlockPair[] = levels.map((l, i) => ({ a: block(l * (1 + (i % 3) / 20)), b: block(l) }));
    const p50 = pairedBlockRatioCI(pairs, 0.5, { seed: 5 });
    expect(pairedBlockRatioCI(pairs, 0.5, { seed: 5 })).toEqual(p50);
    expect(pairedBlockRatioCI(pairs, 0.5, { seed: 6 })).not.toEqual(p50);
    // The statistic that ignores the values and counts what was drawn of each pair shows
    // the draws: the same seed, the same counts, whatever else is computed.
    const drawnOf = (xs: readonly number[]) => xs.length;
    const counted = pairedBlockRatioCI(pairs.map((p) => ({ a: p.a.map(() => 1), b: p.b.map(() => 1) })), drawnOf, { seed: 5 });
    expect(pairedBlockRatioCI(pairs.map((p) => ({ a: p.a.map(() => 2), b: p.b.map(() => 3) })), drawnOf, { seed: 5 })).toEqual(counted);
  });

  it('should give for a quantile level exactly what quantile() of the pooled resample gives', () => {
    // The level is computed from the sorted blocks without pooling; the function is given
    // the pooled sample itself. Ties across blocks and an odd pool size included.
    const pairs: BlockPair[] = levels.map((l, i) => ({ a: [...block(1.03 * l, 7 + i), 20, 20], b: [...block(l, 9), 20] }));
    for (const p of [0, 0.5, 0.9, 0.99, 1]) {
      expect(pairedBlockRatioCI(pairs, p, { seed: 3, resamples: 300 }), `p = ${p}`)
        .toEqual(pairedBlockRatioCI(pairs, (xs) => quantile(xs, p), { seed: 3, resamples: 300 }));
    }
  });

  it('should reject no pairs, an empty block, a NaN and a quantile level outside [0, 1]', () => {
    expect(() => pairedBlockRatioCI([{ a: [1], b: [1] }], 1.5)).toThrow(/outside \[0, 1\]/);
    expect(() => pairedBlockRatioCI([])).toThrow(/at least one pair/);
    expect(() => pairedBlockRatioCI([{ a: [1], b: [] }])).toThrow(/needs values/);
    expect(() => pairedBlockRatioCI([{ a: [1, NaN], b: [1] }])).toThrow(/NaN/);
  });
});
