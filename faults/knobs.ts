/**
 * Knob schemas state each range once: the type message and the bound messages are
 * built from the same numbers, so an error always names the range that is enforced.
 */
import { z } from 'zod';

/** An integer in [min, max]; `why` explains the bound (e.g. "the configured device slots"). */
export function intIn(min: number, max: number, why?: string) {
  const range = `an integer from ${min} to ${max}${why ? ` (${why})` : ''}`;
  return z.number({ message: range }).int(`must be ${range}`).min(min, `must be ${range}`).max(max, `must be ${range}`);
}

/** A number in [min, max], or (min, max] with `exclusiveMin`. */
export function numberIn(min: number, max: number, opts: { exclusiveMin?: boolean } = {}) {
  const range = opts.exclusiveMin ? `a number above ${min} and at most ${max}` : `a number from ${min} to ${max}`;
  const base = z.number({ message: range });
  return (opts.exclusiveMin ? base.gt(min, `must be ${range}`) : base.min(min, `must be ${range}`)).max(max, `must be ${range}`);
}

/** A PRNG seed: a run with the same seed injects the same faults. */
export const seedKnob = () => intIn(0, 2 ** 31).default(1);
