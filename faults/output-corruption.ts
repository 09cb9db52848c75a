/**
 * output-corruption: the decoded model output really corrupted (truncated JSON, a
 * required field missing, a field of the wrong type) at a given rate, so the
 * post-processor really revalidates, repairs or re-invokes the model. The HTTP answer
 * stays 200. Natural signal: ml.post_processing.validation_attempts >= 2,
 * ml.output.required_repair, ml.output.validation_failed events.
 *
 * A request counts as hit when any of its outputs (re-invocations included) was corrupted.
 */
import { z } from 'zod';
import { corruptOutput } from '../target-pipeline/post-processor/corrupt.ts';
import { seededRandom, type FaultModule, type FaultRuntime } from './fault.ts';

export const CORRUPTION_MODES = ['truncate', 'missing_field', 'wrong_type'] as const;
export type CorruptionMode = (typeof CORRUPTION_MODES)[number];

export interface OutputCorruptionKnobs {
  rate: number;
  mode: CorruptionMode | 'mixed';
  seed: number;
}

export interface OutputCorruptionRuntime extends FaultRuntime<OutputCorruptionKnobs> {
  corrupt(text: string, fired: Set<string>): string;
}

const knobs = z.object({
  rate: z.number({ message: 'a number from 0 to 1' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1'),
  mode: z.enum([...CORRUPTION_MODES, 'mixed'], { message: `one of ${[...CORRUPTION_MODES, 'mixed'].join(', ')}` }).default('mixed'),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
}).strict();

export const outputCorruption: FaultModule<OutputCorruptionKnobs, object> = {
  name: 'output-corruption',
  owner: 'inference',
  description: 'Corrupts the decoded model output at a rate (truncated JSON, missing required field, wrong type); the post-processor repairs or re-invokes.',
  knobs: () => knobs,
  create: () => createRuntime(),
};

function createRuntime(): OutputCorruptionRuntime {
  let active: OutputCorruptionKnobs | null = null;
  let rnd = Math.random;
  const c: Record<string, number> = { outputs_seen: 0, outputs_corrupted: 0, truncate: 0, missing_field: 0, wrong_type: 0 };
  return {
    enable(k) {
      active = k;
      rnd = seededRandom(k.seed);
    },
    reset() {
      active = null;
    },
    counters: () => ({ ...c }),
    corrupt(text, fired) {
      if (!active) return text;
      c.outputs_seen!++;
      if (rnd() >= active.rate) return text;
      const mode = active.mode === 'mixed' ? CORRUPTION_MODES[Math.floor(rnd() * CORRUPTION_MODES.length)]! : active.mode;
      const corrupted = corruptOutput(text, mode, rnd);
      if (corrupted === text) return text;
      c.outputs_corrupted!++;
      c[mode] = (c[mode] ?? 0) + 1;
      fired.add('output-corruption');
      return corrupted;
    },
  };
}
