/** The soak's settings: bench/soak.json, validated, with the environment's overrides. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadPresets, variantKnobs } from '../faults/presets.ts';
import { FAULT_NAMES } from '../faults/registry.ts';
import { REPO_ROOT } from '../stack/tools.ts';

export const SOAK_FILE = path.join(REPO_ROOT, 'bench/soak.json');

const fraction = z.number().gt(0).lt(1);
const schema = z.object({
  $comment: z.string().optional(),
  minutes: z.number().int().min(2).max(24 * 60),
  rate: z.number().int().min(1).max(1000),
  interval_s: z.number().int().min(10).max(3600),
  hold_s: z.number().int().min(1),
  seed: z.number().int().min(0),
  faults: z.partialRecord(z.enum(FAULT_NAMES), z.string().min(1)).refine((f) => Object.keys(f).length > 0, 'at least one fault'),
  checks: z.object({
    /** Growth and trend are judged from this minute to the end: the first minutes fill caches, pools and Tempo's live store. */
    steady_from_minute: z.number().min(0),
    rss_max_growth: fraction,
    trend_max_rise: fraction,
    /** Requests this long after a fault was switched off still count as its aftermath, not as unfaulted. */
    settle_s: z.number().min(0),
    rss_sample_s: z.number().min(1).max(60),
  }).strict(),
}).strict().refine((c) => c.hold_s < c.interval_s, { message: 'hold_s must be shorter than interval_s', path: ['hold_s'] });

export type SoakConfig = z.infer<typeof schema>;

const overrides = z.object({
  SOAK_MINUTES: z.coerce.number().int().min(2).optional(),
  SOAK_RATE: z.coerce.number().int().min(1).max(1000).optional(),
  SOAK_SEED: z.coerce.number().int().min(0).optional(),
});

export function loadSoakConfig(file = SOAK_FILE, env: NodeJS.ProcessEnv = process.env): SoakConfig {
  const issue = (where: string, i: z.core.$ZodIssue) => new Error(`${where}: ${i.path.join('.') || '(top)'}: ${i.message}`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw issue(file, parsed.error.issues[0]!);
  const o = overrides.safeParse({ SOAK_MINUTES: env.SOAK_MINUTES || undefined, SOAK_RATE: env.SOAK_RATE || undefined, SOAK_SEED: env.SOAK_SEED || undefined });
  if (!o.success) throw issue('environment', o.error.issues[0]!);
  const presets = loadPresets();
  for (const [fault, variant] of Object.entries(parsed.data.faults)) {
    if (variantKnobs(presets, fault, variant) === null) throw new Error(`${file}: faults.${fault}: variant '${variant}' switches the fault off`);
  }
  const c = { ...parsed.data };
  if (o.data.SOAK_MINUTES !== undefined) c.minutes = o.data.SOAK_MINUTES;
  if (o.data.SOAK_RATE !== undefined) c.rate = o.data.SOAK_RATE;
  if (o.data.SOAK_SEED !== undefined) c.seed = o.data.SOAK_SEED;
  // A short soak (SOAK_MINUTES) keeps the same proportions: its steady part starts a quarter in at the latest.
  c.checks = { ...c.checks, steady_from_minute: Math.min(c.checks.steady_from_minute, c.minutes / 4) };
  return c;
}
