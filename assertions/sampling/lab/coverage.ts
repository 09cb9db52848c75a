/**
 * Diagnostic coverage: whether a policy set keeps the traces a team needs during an
 * incident, and what that costs. Defined from the ground truth alone, never from the
 * detection queries (a set whose policies restate those queries would otherwise pass by
 * construction):
 *
 *   a bottleneck class is the set of requests one fault acted on (the ledger's faults);
 *   per class and per minute of the fault phase, a set must keep at least
 *   COVERAGE_GOAL.traces_per_min whole traces (every span tenant full holds), or all of
 *   them when fewer occurred; it must keep every error (a request answered 5xx); and it
 *   must keep at most COVERAGE_GOAL.max_fault_retention of all the fault phase's requests.
 *
 * The goal's figures are issue 15's ("at most 10% in every fault phase, every class at
 * least 30 whole traces per minute (or all), errors 100%"); README, "Diagnostic coverage".
 */
import type { LedgerEntry } from '../../../faults/ledger.ts';
import type { FaultName } from '../../../faults/registry.ts';

export const COVERAGE_GOAL = {
  /** Whole traces per class and per minute of the fault phase. */
  traces_per_min: 30,
  /** Share of the fault phase's requests kept, at most. */
  max_fault_retention: 0.10,
  /** Share of the errors kept, at least. */
  errors_kept: 1,
};

/** A request is an error when the gateway answered it with a server error. */
const SERVER_ERROR = 500;
export const isError = (e: Pick<LedgerEntry, 'status'>): boolean => e.status >= SERVER_ERROR;

export interface ClassCoverage {
  /** Requests of the fault phase the fault acted on, and their share of the phase's requests (the fault's intensity). */
  occurred: number;
  intensity: number;
  kept: number;
  /** Kept and whole: every span tenant full holds. */
  kept_whole: number;
  kept_whole_per_min: number;
  occurred_per_min: number;
  /** Whole traces the goal asks for: traces_per_min over the phase, or all that occurred when fewer. */
  required: number;
  met: boolean;
}

export interface Coverage {
  fault_phase_s: number;
  fault_phase_requests: number;
  per_class: Partial<Record<FaultName, ClassCoverage>>;
  errors: { occurred: number; kept: number };
  retention_fault: number;
}

export interface CoverageInput {
  entries: LedgerEntry[];
  faults: FaultName[];
  /** Trace ids the set's tenant holds. */
  kept: ReadonlySet<string>;
  /** Kept trace ids that lack spans tenant full has. */
  split: ReadonlySet<string>;
  /** Unix ms at which the fault phase starts, and its length. */
  fault_start_ms: number;
  fault_s: number;
}

export function diagnosticCoverage(c: CoverageInput): Coverage {
  const phase = c.entries.filter((e) => e.ts >= c.fault_start_ms);
  const minutes = c.fault_s / 60;
  const isKept = (e: LedgerEntry) => c.kept.has(e.trace_id);
  const perClass: Coverage['per_class'] = {};
  for (const f of c.faults) {
    const of = phase.filter((e) => e.faults.includes(f));
    const kept = of.filter(isKept);
    const whole = kept.filter((e) => !c.split.has(e.trace_id)).length;
    const required = Math.min(of.length, Math.ceil(COVERAGE_GOAL.traces_per_min * minutes));
    perClass[f] = {
      occurred: of.length,
      intensity: phase.length ? of.length / phase.length : 0,
      kept: kept.length,
      kept_whole: whole,
      kept_whole_per_min: whole / minutes,
      occurred_per_min: of.length / minutes,
      required,
      met: whole >= required,
    };
  }
  const errors = phase.filter(isError);
  return {
    fault_phase_s: c.fault_s,
    fault_phase_requests: phase.length,
    per_class: perClass,
    errors: { occurred: errors.length, kept: errors.filter(isKept).length },
    retention_fault: phase.length ? phase.filter(isKept).length / phase.length : 0,
  };
}

export interface GoalVerdict {
  met: boolean;
  /** Each way the goal was missed, with by how much; empty when met. */
  missed: string[];
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The goal judged on one set's coverage of one run. */
export function goalVerdict(c: Coverage): GoalVerdict {
  const missed: string[] = [];
  if (c.retention_fault > COVERAGE_GOAL.max_fault_retention) {
    missed.push(`fault-phase retention ${pct(c.retention_fault)} > ${pct(COVERAGE_GOAL.max_fault_retention)} (by ${((c.retention_fault - COVERAGE_GOAL.max_fault_retention) * 100).toFixed(1)} points)`);
  }
  for (const [f, x] of Object.entries(c.per_class)) {
    if (!x.met) missed.push(`${f}: ${x.kept_whole} whole of ${x.required} required (${x.kept_whole_per_min.toFixed(1)}/min of ${x.occurred_per_min.toFixed(1)}/min occurred; short by ${x.required - x.kept_whole})`);
  }
  const errShare = c.errors.occurred ? c.errors.kept / c.errors.occurred : 1;
  if (errShare < COVERAGE_GOAL.errors_kept) missed.push(`errors: ${c.errors.kept} of ${c.errors.occurred} kept (short by ${c.errors.occurred - c.errors.kept})`);
  return { met: missed.length === 0, missed };
}

/** One set over several runs: met when met in every run; each miss names its run. */
export function goalOverRuns(runs: { pattern: string; coverage: Coverage }[]): GoalVerdict {
  const missed = runs.flatMap((r) => goalVerdict(r.coverage).missed.map((m) => `${r.pattern}: ${m}`));
  return { met: runs.length > 0 && missed.length === 0, missed };
}
