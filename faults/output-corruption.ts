/**
 * output-corruption: the decoded model output really corrupted (truncated JSON, a
 * required field missing, a field of the wrong type) at a given rate, as it leaves the
 * inference service, so the post-processor really revalidates, repairs or re-invokes
 * the model. The HTTP answer stays 200. Natural signal:
 * ml.post_processing.validation_attempts >= 2, ml.output.required_repair,
 * ml.output.validation_failed events.
 *
 * A request counts as hit when any of its outputs (re-invocations included) was corrupted.
 */
import { z } from 'zod';
import { mulberry32 } from '../target-pipeline/model/prng.ts';
import { CORRUPTION_MODES, corruptOutput } from './corrupt-output.ts';
import { decorate } from './decorate.ts';
import { defineFault, type FaultRuntime } from './fault.ts';
import type { FiredRecorder } from './fired.ts';
import { numberIn, seedKnob } from './knobs.ts';

export { CORRUPTION_MODES, type CorruptionMode } from './corrupt-output.ts';

export interface OutputCorruptionKnobs {
  rate: number;
  mode: (typeof CORRUPTION_MODES)[number] | 'mixed';
  seed: number;
}

/** What the fault acts on: the inference service's output writer, and the model's labels. */
export interface OutputCorruptionTarget {
  output: { serialize(output: never): string };
  assets: { labels: readonly string[] };
}

const MODES = [...CORRUPTION_MODES, 'mixed'] as const;
const knobs = z.object({
  rate: numberIn(0, 1),
  mode: z.enum(MODES, { message: `one of ${MODES.join(', ')}` }).default('mixed'),
  seed: seedKnob(),
}).strict();

export const outputCorruption = defineFault({
  name: 'output-corruption',
  owner: 'inference',
  description: 'Corrupts the decoded model output at a rate (truncated JSON, missing required field, wrong type); the post-processor repairs or re-invokes.',
  knobs: (): z.ZodType<OutputCorruptionKnobs> => knobs,
  create: (t: OutputCorruptionTarget, record) => createRuntime(t, record),
});

function createRuntime(t: OutputCorruptionTarget, record: FiredRecorder): FaultRuntime<OutputCorruptionKnobs, OutputCorruptionTarget> {
  let active: OutputCorruptionKnobs | null = null;
  let rnd = Math.random;
  const c: Record<string, number> = { outputs_seen: 0, outputs_corrupted: 0, truncate: 0, missing_field: 0, wrong_type: 0 };
  const corrupt = (text: string): string => {
    if (!active) return text;
    c.outputs_seen!++;
    if (rnd() >= active.rate) return text;
    const mode = active.mode === 'mixed' ? CORRUPTION_MODES[Math.floor(rnd() * CORRUPTION_MODES.length)]! : active.mode;
    const corrupted = corruptOutput(text, mode, rnd, t.assets.labels);
    if (corrupted === text) return text;
    c.outputs_corrupted!++;
    c[mode] = (c[mode] ?? 0) + 1;
    record.fired();
    return corrupted;
  };
  return {
    enable(k) {
      active = k;
      rnd = mulberry32(k.seed);
    },
    reset() {
      active = null;
    },
    counters: () => ({ ...c }),
    wrap: (w) => ({ output: decorate(w.output, { serialize: (o: never) => corrupt(w.output.serialize(o)) }) }),
  };
}
