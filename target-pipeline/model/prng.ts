/**
 * Seeded pseudo-random numbers for the asset generator. Only integer arithmetic and
 * one multiplication by 2^-32, so the stream is bit-identical on every platform and
 * Node version (no Math.random, no transcendental functions).
 */

/** mulberry32: tiny, fast, and good enough for weight initialisation. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills `count` floats uniformly in [-a, a] with a = std * sqrt(3), which has standard
 * deviation `std`; uniform rather than normal keeps the stream free of Math.log/cos.
 */
export function uniformWeights(next: () => number, count: number, std: number): Float32Array {
  const half = std * Math.sqrt(3);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * half;
  return out;
}

/** An integer in [0, n). */
export function randomInt(next: () => number, n: number): number {
  return Math.floor(next() * n);
}
