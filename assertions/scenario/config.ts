import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FAULT_NAMES, type FaultName } from '../../faults/registry.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

export const PATTERNS_FILE = path.join(REPO_ROOT, 'scenarios/patterns.json');
/**
 * 'judged': recall must reach the pass level. 'measured': recall is reported as it is,
 * for a pattern built to show what a detection query cannot see; every miss must then be
 * one the query's own definition explains (see verdict/queue-ratio.ts).
 */
export const RECALL_MODES = ['judged', 'measured'] as const;
export type RecallMode = (typeof RECALL_MODES)[number];

const knobs = z.record(z.string(), z.unknown());
const tunables = {
  rate: z.number().positive().max(500),
  warmup_s: z.number().int().min(1).max(600),
  fault_s: z.number().int().min(1).max(3600),
  entities: z.number().int().min(1).max(100_000),
  ids_per_request: z.number().int().min(1).max(32),
  decision_wait: z.string().regex(/^\d+(ms|s)$/),
  min_faulted: z.number().int().min(0),
  max_error_rate: z.number().min(0).max(1),
};
const fileSchema = z.object({
  $comment: z.string().optional(),
  defaults: z.object(tunables).strict(),
  detection: z.record(z.enum(FAULT_NAMES), z.string().min(3)),
  patterns: z.record(z.string(), z.object({
    question: z.string().min(10),
    faults: z.partialRecord(z.enum(FAULT_NAMES), knobs),
    recall: z.enum(RECALL_MODES).optional(),
    ...Object.fromEntries(Object.entries(tunables).map(([k, v]) => [k, v.optional()])),
  }).strict()),
}).strict();

export interface ScenarioSpec {
  name: string;
  question: string;
  faults: Partial<Record<FaultName, Record<string, unknown>>>;
  rate: number;
  warmup_s: number;
  fault_s: number;
  entities: number;
  ids_per_request: number;
  decision_wait: string;
  min_faulted: number;
  max_error_rate: number;
  recall: RecallMode;
  /** The detection query of every fault (all four are checked against a baseline run). */
  detection: Record<FaultName, string>;
  short: boolean;
}

/** The short versions `make test` runs: same assertions, smaller counts. */
export const SHORT = { warmup_s: 2, fault_s: 6, min_faulted: 10 } as const;

export class ScenarioConfigError extends Error {
  override name = 'ScenarioConfigError';
}

export function patternNames(file = PATTERNS_FILE): string[] {
  return Object.keys(readFile(file).patterns);
}

function readFile(file: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioConfigError(`cannot read ${path.relative(REPO_ROOT, file)}: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ScenarioConfigError(`${path.relative(REPO_ROOT, file)}: ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

const envOverrides = z.object({
  RATE: z.coerce.number().positive().max(500).optional(),
  WARMUP_S: z.coerce.number().int().min(1).max(600).optional(),
  FAULT_S: z.coerce.number().int().min(1).max(3600).optional(),
  MIN_FAULTED: z.coerce.number().int().min(0).optional(),
});

/** The scenario as the runner will run it: file defaults, the pattern, then env overrides. */
export function loadScenario(name: string, opts: { short?: boolean; env?: NodeJS.ProcessEnv; file?: string } = {}): ScenarioSpec {
  const f = readFile(opts.file ?? PATTERNS_FILE);
  const p = f.patterns[name];
  if (!p) throw new ScenarioConfigError(`unknown scenario '${name}'; known: ${Object.keys(f.patterns).join(', ')}`);
  const env = envOverrides.safeParse(opts.env ?? process.env);
  if (!env.success) {
    const i = env.error.issues[0]!;
    throw new ScenarioConfigError(`scenario option ${i.path.join('.')}=${JSON.stringify((opts.env ?? process.env)[String(i.path[0])])}: ${i.message}`);
  }
  const merged = { ...f.defaults, ...p } as typeof f.defaults & typeof p;
  const short = opts.short ?? false;
  return {
    name,
    question: p.question,
    faults: p.faults as ScenarioSpec['faults'],
    rate: env.data.RATE ?? merged.rate,
    warmup_s: env.data.WARMUP_S ?? (short ? SHORT.warmup_s : merged.warmup_s),
    fault_s: env.data.FAULT_S ?? (short ? SHORT.fault_s : merged.fault_s),
    entities: merged.entities,
    ids_per_request: merged.ids_per_request,
    decision_wait: merged.decision_wait,
    min_faulted: env.data.MIN_FAULTED ?? (short ? SHORT.min_faulted : merged.min_faulted),
    max_error_rate: merged.max_error_rate,
    recall: p.recall ?? 'judged',
    detection: f.detection as Record<FaultName, string>,
    short,
  };
}
