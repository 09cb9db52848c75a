/**
 * Draws for the feature store's data, over the model's seeded generator (model/prng.ts):
 * the data must be identical for a given seed on every machine so that features, and
 * therefore model outputs, are reproducible across runs; Math.random cannot be seeded.
 */

export type Rng = () => number;

/** Standard normal draw (Box-Muller); 1 - u keeps the log argument away from 0. */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
