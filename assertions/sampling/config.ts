/**
 * scenarios/sampling.json, validated: the tail-sampling proof's patterns, its
 * dose-response steps, its scale-out load, and the corruption ramp (make scenario-ramp). Short mode applies the file's `short`
 * overrides (what make test runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FAULT_NAMES } from '../../faults/registry.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { CORRUPTION_MODES } from '../../faults/output-corruption.ts';
import { patternNames, ScenarioConfigError } from '../scenario/config.ts';

export const SAMPLING_FILE = path.join(REPO_ROOT, 'scenarios/sampling.json');

const rate01 = z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1');
const dose = z.object({
  corruption_rates: z.array(rate01).min(2, 'at least two steps')
    .refine((xs) => xs[0] === 0, 'the first step must be 0 (the baseline the signal rises from)')
    .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]!), 'must rise step by step'),
  mode: z.enum([...CORRUPTION_MODES, 'mixed']),
  seed: z.number().int().min(0),
  rate: z.number().positive().max(200),
  step_s: z.number().int().min(2).max(600),
  alert_level: z.number().gt(1),
  early_level: z.number().gt(1),
}).strict();
const scaleOut = z.object({
  rate: z.number().positive().max(200),
  duration_s: z.number().int().min(2).max(600),
  decision_wait: z.string().regex(/^\d+(ms|s)$/, 'a duration like 500ms or 3s'),
  faults: z.partialRecord(z.enum(FAULT_NAMES), z.record(z.string(), z.unknown())),
}).strict();
const seedQueries = z.object({
  rate: z.number().positive().max(200),
  duration_s: z.number().int().min(2).max(600),
  faults: z.partialRecord(z.enum(FAULT_NAMES), z.record(z.string(), z.unknown())),
}).strict();
const ramp = z.object({
  calm_s: z.number().int().min(2).max(3600),
  corruption_rates: z.array(rate01).min(1, 'at least one step')
    .refine((xs) => xs[0]! > 0, 'the first step must corrupt something (the calm phase is the no-fault run)')
    .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]!), 'must rise step by step'),
  mode: z.enum([...CORRUPTION_MODES, 'mixed']),
  seed: z.number().int().min(0),
  rate: z.number().positive().max(200),
  step_s: z.number().int().min(2).max(600),
}).strict();
const file = z.object({
  $comment: z.string().optional(),
  survival_patterns: z.array(z.string()).min(1),
  dose_response: dose,
  scale_out: scaleOut,
  seed_queries: seedQueries,
  ramp,
  short: z.object({ dose_response: dose.partial().optional(), scale_out: scaleOut.partial().optional(), ramp: ramp.partial().optional() }).strict(),
}).strict();

export type DoseResponseConfig = z.infer<typeof dose>;
export type ScaleOutConfig = z.infer<typeof scaleOut>;
export type SeedQueriesConfig = z.infer<typeof seedQueries>;
export type RampConfig = z.infer<typeof ramp>;
export interface SamplingConfig {
  survival_patterns: string[];
  dose_response: DoseResponseConfig;
  scale_out: ScaleOutConfig;
  seed_queries: SeedQueriesConfig;
  ramp: RampConfig;
  short: boolean;
}

export function loadSamplingConfig(opts: { short?: boolean; file?: string } = {}): SamplingConfig {
  const where = path.relative(REPO_ROOT, opts.file ?? SAMPLING_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(opts.file ?? SAMPLING_FILE, 'utf8'));
  } catch (err) {
    throw new ScenarioConfigError(`cannot read ${where}: ${(err as Error).message}`);
  }
  const parsed = file.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ScenarioConfigError(`${where}: ${i.path.join('.')}: ${i.message}`);
  }
  const f = parsed.data;
  const known = patternNames();
  const unknown = f.survival_patterns.find((p) => !known.includes(p));
  if (unknown) throw new ScenarioConfigError(`${where}: survival_patterns: unknown pattern '${unknown}' (known: ${known.join(', ')})`);
  const short = opts.short ?? false;
  // The overrides are re-validated merged, so a short step list must rise too.
  const merged = (k: 'dose_response' | 'scale_out' | 'ramp') => ({ ...f[k], ...(short ? f.short[k] : {}) });
  return {
    survival_patterns: f.survival_patterns,
    dose_response: dose.parse(merged('dose_response')),
    scale_out: scaleOut.parse(merged('scale_out')),
    seed_queries: f.seed_queries,
    ramp: ramp.parse(merged('ramp')),
    short,
  };
}
