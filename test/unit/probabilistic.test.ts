import { describe, expect, it } from 'vitest';
import { hashTraceId, probabilisticKeeps, thresholdFor } from '../../assertions/sampling/probabilistic.ts';

// Expected values computed with Go's hash/fnv and math/big, as the tail-sampling processor does.
const GO_HASHES: [string, bigint][] = [
  ['0123456789abcdef0123456789abcdef', 9602316671945977917n],
  ['4bf92f3577b34da6a3ce929d0e0e4736', 11908981664384643253n],
  ['00000000000000000000000000000001', 16254957729900898954n],
  ['ffffffffffffffffffffffffffffffff', 1711019809656077869n],
];

describe('probabilistic policy reproduction', () => {
  it('should hash trace ids exactly as the collector does when the salt is the default', () => {
    for (const [id, h] of GO_HASHES) expect(hashTraceId(id)).toBe(h);
  });

  it('should compute the same thresholds as the collector when given a percentage', () => {
    expect(thresholdFor(3)).toBe(553402322211286527n);
    expect(thresholdFor(50)).toBe(9223372036854775807n);
    expect(thresholdFor(0.01)).toBe(1844674407370955n);
  });

  it('should keep about 3% of random trace ids when the percentage is 3', () => {
    let kept = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const id = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('hex');
      if (probabilisticKeeps(id, 3)) kept++;
    }
    // 3% of 20,000 = 600, sd ~ 24: +-6 sd never fails by chance.
    expect(kept).toBeGreaterThan(600 - 150);
    expect(kept).toBeLessThan(600 + 150);
  });

  it('should reject a malformed trace id when asked to hash it', () => {
    expect(() => hashTraceId('xyz')).toThrow(/32-hex-digit/);
  });
});
