import { describe, expect, it } from 'vitest';
import { bootstrapCI, bootstrapRatioCI, median, quantile, quantiles } from '../../assertions/stats.ts';
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
