import { describe, expect, it } from 'vitest';
import { median, quantile, quantiles } from '../../assertions/stats.ts';

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
