/**
 * tokenizer-reload: the tokenizer instance really discarded (with a probability, or
 * every N requests), so the next request rebuilds it from its files. Natural signal:
 * a tokenizer_init span under ml.batch_assembly on the affected request only.
 *
 * A request counts as hit when it is the one that rebuilt the tokenizer.
 */
import { z } from 'zod';
import { mulberry32 } from '../target-pipeline/model/prng.ts';
import { decorate } from './decorate.ts';
import { defineFault, type FaultRuntime } from './fault.ts';
import type { FiredRecorder } from './fired.ts';
import { intIn, numberIn, seedKnob } from './knobs.ts';

export const MAX_EVERY_N = 1_000_000;

export interface TokenizerReloadKnobs {
  probability: number;
  every_n: number;
  seed: number;
}

/** What the fault acts on: where the inference service gets its tokenizer. */
export interface TokenizerReloadTarget {
  tokenizers: {
    readonly builds: number;
    get(...args: never[]): Promise<unknown>;
    discard(): boolean;
  };
}

const knobs = z.object({
  probability: numberIn(0, 1).default(0),
  every_n: intIn(0, MAX_EVERY_N).default(0),
  seed: seedKnob(),
}).strict().refine((k) => k.probability > 0 || k.every_n > 0, { message: 'does nothing: set probability > 0 or every_n > 0', path: ['probability'] });

export const tokenizerReload = defineFault({
  name: 'tokenizer-reload',
  owner: 'inference',
  description: 'Discards the tokenizer (with a probability or every N requests); the next request rebuilds it from its files.',
  knobs: (): z.ZodType<TokenizerReloadKnobs> => knobs,
  create: (t: TokenizerReloadTarget, record) => createRuntime(t.tokenizers, record),
});

function createRuntime(tokenizers: TokenizerReloadTarget['tokenizers'], record: FiredRecorder): FaultRuntime<TokenizerReloadKnobs, TokenizerReloadTarget> {
  let active: TokenizerReloadKnobs | null = null;
  let rnd = Math.random;
  let seen = 0;
  const baseBuilds = tokenizers.builds;
  const c = { requests_seen: 0, discards: 0 };
  // Each request asks for the tokenizer once; the one whose turn it is finds it gone
  // and rebuilds it itself.
  const beforeGet = (): void => {
    if (!active) return;
    seen++;
    c.requests_seen++;
    const due = (active.every_n > 0 && seen % active.every_n === 0) || (active.probability > 0 && rnd() < active.probability);
    if (due && tokenizers.discard()) {
      c.discards++;
      record.fired();
    }
  };
  return {
    enable(k) {
      active = k;
      rnd = mulberry32(k.seed);
      seen = 0;
    },
    reset() {
      active = null;
    },
    counters: () => ({ ...c, rebuilds: tokenizers.builds - baseBuilds }),
    wrap: (w) => ({
      tokenizers: decorate(w.tokenizers, {
        get: (...args: never[]) => {
          beforeGet();
          return w.tokenizers.get(...args);
        },
      }),
    }),
  };
}
