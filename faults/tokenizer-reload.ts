/**
 * tokenizer-reload: the tokenizer instance really discarded (with a probability, or
 * every N requests), so the next request rebuilds it from its files. Natural signal:
 * a tokenizer_init span under ml.batch_assembly on the affected request only.
 *
 * A request counts as hit when it is the one that rebuilt the tokenizer.
 */
import { z } from 'zod';
import type { TokenizerHolder } from '../target-pipeline/inference/tokenizer-holder.ts';
import { seededRandom, type FaultModule, type FaultRuntime } from './fault.ts';

export const MAX_EVERY_N = 1_000_000;

export interface TokenizerReloadKnobs {
  probability: number;
  every_n: number;
  seed: number;
}

export interface TokenizerReloadRuntime extends FaultRuntime<TokenizerReloadKnobs> {
  beforeTokenize(fired: Set<string>): void;
}

const knobs = z.object({
  probability: z.number({ message: 'a number from 0 to 1' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(0),
  every_n: z.number({ message: `an integer from 0 to ${MAX_EVERY_N}` }).int().min(0, `must be from 0 to ${MAX_EVERY_N}`).max(MAX_EVERY_N, `must be from 0 to ${MAX_EVERY_N}`).default(0),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
}).strict().refine((k) => k.probability > 0 || k.every_n > 0, { message: 'does nothing: set probability > 0 or every_n > 0', path: ['probability'] });

export const tokenizerReload: FaultModule<TokenizerReloadKnobs, { tokenizers: TokenizerHolder }> = {
  name: 'tokenizer-reload',
  owner: 'inference',
  description: 'Discards the tokenizer (with a probability or every N requests); the next request rebuilds it from its files.',
  knobs: () => knobs,
  create: ({ tokenizers }) => createRuntime(tokenizers),
};

function createRuntime(tokenizers: TokenizerHolder): TokenizerReloadRuntime {
  let active: TokenizerReloadKnobs | null = null;
  let rnd = Math.random;
  let seen = 0;
  const baseBuilds = tokenizers.builds;
  const c = { requests_seen: 0, discards: 0 };
  return {
    enable(k) {
      active = k;
      rnd = seededRandom(k.seed);
      seen = 0;
    },
    reset() {
      active = null;
    },
    counters: () => ({ ...c, rebuilds: tokenizers.builds - baseBuilds }),
    beforeTokenize(fired) {
      if (!active) return;
      seen++;
      c.requests_seen++;
      const due = (active.every_n > 0 && seen % active.every_n === 0) || (active.probability > 0 && rnd() < active.probability);
      if (due && tokenizers.discard()) {
        c.discards++;
        fired.add('tokenizer-reload');
      }
    },
  };
}
