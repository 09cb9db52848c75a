/**
 * A small seeded PRNG (mulberry32). The feature store's data must be identical for a
 * given seed on every machine so that features, and therefore model outputs, are
 * reproducible across runs; Math.random cannot be seeded.
 */

export type Rng = () => number;

/** The same generator as the model's assets: one implementation of the stream. */
export { mulberry32 } from '../model/prng.ts';

/** Standard normal draw (Box-Muller); 1 - u keeps the log argument away from 0. */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
