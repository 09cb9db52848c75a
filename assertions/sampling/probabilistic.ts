/**
 * The tail-sampling processor's probabilistic policy, reproduced: it keeps a trace
 * when FNV-1a-64(salt || trace id bytes) <= MaxUint64 * ratio. Knowing the function
 * lets a test predict exactly which fast traces the 3% baseline keeps, so sampling
 * assertions are exact instead of statistical (and cannot flake).
 * Source: processor/tailsamplingprocessor/internal/sampling/probabilistic.go (v0.159.0).
 */

export const DEFAULT_HASH_SALT = 'default-hash-seed';
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;
const MAX_UINT64 = MASK64;

export function fnv1a64(bytes: Uint8Array, seed: bigint = FNV64_OFFSET): bigint {
  let h = seed;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

export function hashTraceId(traceIdHex: string, salt = DEFAULT_HASH_SALT): bigint {
  if (!/^[0-9a-f]{32}$/.test(traceIdHex)) throw new Error(`not a 32-hex-digit trace id: '${traceIdHex}'`);
  const h = fnv1a64(new TextEncoder().encode(salt));
  return fnv1a64(Buffer.from(traceIdHex, 'hex'), h);
}

/** The exact value of a float64 as numerator / 2^shift. */
function floatAsFraction(x: number): { num: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = exp === 0 ? frac : frac | (1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075; // x = mant * 2^e
  return e >= 0 ? { num: mant << BigInt(e), shift: 0n } : { num: mant, shift: BigInt(-e) };
}

export function thresholdFor(samplingPercentage: number): bigint {
  const { num, shift } = floatAsFraction(samplingPercentage / 100);
  const t = (MAX_UINT64 * num) >> shift;
  return t > MAX_UINT64 ? MAX_UINT64 : t;
}

/** Whether the probabilistic policy keeps this trace. */
export function probabilisticKeeps(traceIdHex: string, samplingPercentage: number, salt = DEFAULT_HASH_SALT): boolean {
  return hashTraceId(traceIdHex, salt) <= thresholdFor(samplingPercentage);
}
