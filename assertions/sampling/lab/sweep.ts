/**
 * The incident intensity sweep (issue 15, part 3): each fault pattern again at several
 * levels of how many requests its fault acts on (scenarios/intensities.json), every policy
 * set measured alike on each run, then survival and coverage against retention per set
 * and level, and which sets are on the cost/coverage frontier of each run (no other set
 * keeps as little and covers as much). Loading validates the file against patterns.json;
 * the rest is pure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FAULT_NAMES, type FaultName } from '../../../faults/registry.ts';
import { REPO_ROOT } from '../../../stack/tools.ts';
import { loadScenario, PATTERNS_FILE, ScenarioConfigError, type ScenarioSpec } from '../../scenario/config.ts';
import type { Coverage } from './coverage.ts';
import type { SetFigures } from './measure.ts';

export const SWEEP_FILE = path.join(REPO_ROOT, 'scenarios/intensities.json');

const share = z.number().gt(0, 'a share above 0').max(1, 'a share of at most 1');
const schema = z.object({
  $comment: z.string().optional(),
  targets: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a level name in lower case'), share),
  patterns: z.record(z.string(), z.record(z.string(), z.partialRecord(z.enum(FAULT_NAMES), z.record(z.string(), z.unknown())))),
}).strict();

export interface SweepLevel {
  level: string;
  /** The share of the fault phase's requests the level's knobs aim at (the realised share is measured). */
  target: number;
  faults: ScenarioSpec['faults'];
}

export interface Sweep {
  file: string;
  levels: string[];
  patterns: Record<string, SweepLevel[]>;
}

/** Reads and checks the sweep file: every pattern is one of patterns.json's, every level names the pattern's own faults and nothing else. */
export function loadSweep(file = SWEEP_FILE, patternsFile = PATTERNS_FILE): Sweep {
  const rel = path.relative(REPO_ROOT, file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioConfigError(`cannot read ${rel}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ScenarioConfigError(`${rel}: ${i.path.join('.')}: ${i.message}`);
  }
  const { targets, patterns } = parsed.data;
  const levels = Object.keys(targets);
  if (levels.length < 3) throw new ScenarioConfigError(`${rel}: targets: ${levels.length} level(s); a sweep needs at least 3`);
  const out: Sweep = { file: rel, levels, patterns: {} };
  for (const [name, byLevel] of Object.entries(patterns)) {
    const at = `${rel}: patterns.${name}`;
    let spec: ScenarioSpec;
    try {
      spec = loadScenario(name, { file: patternsFile, env: {} });
    } catch (err) {
      throw new ScenarioConfigError(`${at}: ${(err as Error).message}`);
    }
    const own = Object.keys(spec.faults).sort();
    if (own.length === 0) throw new ScenarioConfigError(`${at}: the pattern injects no fault, so it has no intensity to sweep`);
    const got = Object.keys(byLevel);
    if (got.join() !== levels.join()) throw new ScenarioConfigError(`${at}: levels ${got.join(', ') || 'none'}; expected exactly ${levels.join(', ')} (the targets' order)`);
    out.patterns[name] = got.map((level) => {
      const faults = byLevel[level]!;
      const named = Object.keys(faults).sort();
      if (named.join() !== own.join()) throw new ScenarioConfigError(`${at}.${level}: faults ${named.join(', ') || 'none'}; the pattern's are ${own.join(', ')}`);
      return { level, target: targets[level]!, faults: faults as ScenarioSpec['faults'] };
    });
  }
  if (Object.keys(out.patterns).length === 0) throw new ScenarioConfigError(`${rel}: patterns: none`);
  return out;
}

/** The pattern as the runner runs it at one level: the pattern's load and phases, the level's knobs. */
export function specAtLevel(spec: ScenarioSpec, level: SweepLevel): ScenarioSpec {
  return { ...spec, faults: level.faults };
}

export interface SweepSet {
  set: string;
  survival_min: number | null;
  retention_fault: number;
  bytes: number;
  bytes_share_of_full: number;
  /**
   * How much of the coverage goal the set met, 0 to 1: the lowest over the classes of
   * whole traces kept / required (1 where none was required), and of errors kept / errors.
   */
  coverage_score: number;
  goal_met: boolean;
  missed: string[];
  /** No other set of the same run kept at most as much with at least as much coverage, one of them strictly. */
  on_frontier: boolean;
}

export interface SweepRow {
  pattern: string;
  level: string;
  target: number;
  /** Per fault, the share of the fault phase's requests it really acted on (the ledger). */
  intensity: Partial<Record<FaultName, number>>;
  fault_phase_requests: number;
  sets: SweepSet[];
}

export function coverageScore(c: Coverage): number {
  const parts = Object.values(c.per_class).map((x) => (x!.required === 0 ? 1 : Math.min(1, x!.kept_whole / x!.required)));
  parts.push(c.errors.occurred === 0 ? 1 : c.errors.kept / c.errors.occurred);
  return Math.min(...parts);
}

const dominates = (a: SweepSet, b: SweepSet): boolean =>
  a.retention_fault <= b.retention_fault && a.coverage_score >= b.coverage_score
  && (a.retention_fault < b.retention_fault || a.coverage_score > b.coverage_score);

/** One run's sets as a sweep row, each marked on or off the run's cost/coverage frontier. */
export function sweepRow(pattern: string, level: SweepLevel, sets: SetFigures[]): SweepRow {
  const rows: SweepSet[] = sets.map((s) => ({
    set: s.set, survival_min: s.survival_min, retention_fault: s.retention.fault,
    bytes: s.stored.bytes, bytes_share_of_full: s.stored.bytes_share_of_full,
    coverage_score: coverageScore(s.coverage), goal_met: s.goal.met, missed: s.goal.missed, on_frontier: true,
  }));
  for (const r of rows) r.on_frontier = !rows.some((o) => o !== r && dominates(o, r));
  const c = sets[0]?.coverage;
  return {
    pattern, level: level.level, target: level.target,
    intensity: Object.fromEntries(Object.entries(c?.per_class ?? {}).map(([f, x]) => [f, x!.intensity])),
    fault_phase_requests: c?.fault_phase_requests ?? 0,
    sets: rows,
  };
}

export interface SetSummary {
  set: string;
  runs: number;
  on_frontier: number;
  goal_met: number;
  /** Fault-phase retention at each level, the highest over the patterns. */
  max_retention_by_level: Record<string, number>;
  /** Coverage score at each level, the lowest over the patterns. */
  min_coverage_by_level: Record<string, number>;
}

/** Per set over the sweep: how often it was on the frontier and met the goal, its worst cost and coverage per level. */
export function sweepSummary(rows: SweepRow[], levels: string[]): SetSummary[] {
  const names = [...new Set(rows.flatMap((r) => r.sets.map((s) => s.set)))];
  return names.map((set) => {
    const mine = rows.flatMap((r) => r.sets.filter((s) => s.set === set).map((s) => ({ level: r.level, s })));
    const at = (l: string) => mine.filter((m) => m.level === l).map((m) => m.s);
    const present = levels.filter((l) => at(l).length > 0);
    return {
      set, runs: mine.length,
      on_frontier: mine.filter((m) => m.s.on_frontier).length,
      goal_met: mine.filter((m) => m.s.goal_met).length,
      max_retention_by_level: Object.fromEntries(present.map((l) => [l, Math.max(...at(l).map((s) => s.retention_fault))])),
      min_coverage_by_level: Object.fromEntries(present.map((l) => [l, Math.min(...at(l).map((s) => s.coverage_score))])),
    };
  });
}
