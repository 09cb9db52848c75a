/**
 * The verdict, computed from two sets of facts: the ledger (which requests were really
 * faulted, out of band) and what Tempo returned (which traces the detection query
 * matched, which traces each sampled tenant kept). Pure functions: unit-tested alone.
 *
 * Tail sampling is judged by the harness set's diagnostic coverage
 * (assertions/sampling/lab/coverage.ts), not by survival: the harness set is cost-bounded
 * and keeps a budget of each bottleneck class, so survival is a reported figure.
 */
import type { LedgerEntry } from '../../faults/ledger.ts';
import type { FaultName } from '../../faults/registry.ts';
import { COVERAGE_GOAL, type Coverage } from '../sampling/lab/coverage.ts';
import { probabilisticKeeps } from '../sampling/probabilistic.ts';
import type { QueueDistribution } from './queue-ratio.ts';

export const PASS_RECALL = 0.99;
export const PASS_PRECISION = 0.99;
export const BASELINE_PERCENT = 3;
/** The seed's latency policy: traces over it are kept whatever else they are. */
export const LATENCY_POLICY_MS = 800;
/** z for the kept-ratio check: 4 standard deviations, so a correct run fails about once in 16,000. */
export const KEPT_RATIO_Z = 4;

export interface Mismatch {
  path: string;
  expected: string;
  actual: string;
}

export interface FaultVerdict {
  fault: FaultName;
  detection_query: string;
  faulted: number;
  matched: number;
  true_positives: number;
  recall: number;
  precision: number;
  /** Faulted traces kept by the harness policy set (tenant sampled-harness): reported, not judged (coverage is). */
  survival_faulted: number;
  /** Faulted traces kept by the seed's five policies (tenant sampled). */
  survival_faulted_seed: number;
  /** Faulted traces the query matched that the harness set kept: reported, not judged. */
  survival_detected: number;
  missed: string[];
  false_positives: string[];
  lost_by_harness: string[];
  /** When recall fails: which signal of the query the missed traces lack (see missing-signal.ts). */
  missed_explained?: string;
  /** 'measured': the pattern reports recall as it is instead of requiring the pass level. */
  recall_mode?: 'judged' | 'measured';
  /** gpu-starvation: queue wait against forward pass over the faulted requests. */
  queue?: QueueDistribution;
}

export interface KeptUnfaulted {
  unfaulted: number;
  kept: number;
  ratio: number;
  /**
   * Share expected at the least: the 3% hash plus the unfaulted requests that failed (the
   * harness set's two unbounded policies, which must keep them).
   */
  expected_ratio: number;
  /**
   * Share expected at the most: also every slow request and every one whose spans show a
   * bottleneck signal, which the set's rate-limited class policies may keep, up to their budgets.
   */
  expected_ratio_max: number;
  /** Unfaulted traces the baseline hash says must be kept, and were not. */
  predicted_missing: string[];
  within_tolerance: boolean;
}

const SAMPLE = 10;
const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

export function faultVerdict(
  fault: FaultName, query: string, entries: LedgerEntry[], matched: Set<string>, keptHarness: Set<string>, keptSeed: Set<string>,
): FaultVerdict {
  const runIds = new Set(entries.map((e) => e.trace_id));
  const faulted = entries.filter((e) => e.faults.includes(fault)).map((e) => e.trace_id);
  const faultedSet = new Set(faulted);
  const matchedInRun = [...matched].filter((id) => runIds.has(id));
  const tp = matchedInRun.filter((id) => faultedSet.has(id));
  return {
    fault,
    detection_query: query,
    faulted: faulted.length,
    matched: matchedInRun.length,
    true_positives: tp.length,
    recall: ratio(tp.length, faulted.length),
    precision: ratio(tp.length, matchedInRun.length),
    survival_faulted: ratio(faulted.filter((id) => keptHarness.has(id)).length, faulted.length),
    survival_faulted_seed: ratio(faulted.filter((id) => keptSeed.has(id)).length, faulted.length),
    survival_detected: ratio(tp.filter((id) => keptHarness.has(id)).length, tp.length),
    missed: faulted.filter((id) => !matched.has(id)).slice(0, SAMPLE),
    false_positives: matchedInRun.filter((id) => !faultedSet.has(id)).slice(0, SAMPLE),
    lost_by_harness: faulted.filter((id) => !keptHarness.has(id)).slice(0, SAMPLE),
  };
}

/**
 * The unfaulted share the sampled tenant kept, against what the policies predict: the 3%
 * hash and every 5xx at the least (unbounded policies), and at the most also every slow
 * request and those whose spans show a bottleneck signal (`signalled`, the class
 * conditions asked of tenant full), which an unfaulted request on a loaded machine can
 * show for real (a queue wait longer than its forward pass) and which a class's budget
 * keeps or not depending on what else spent it.
 */
export function keptUnfaulted(entries: LedgerEntry[], kept: Set<string>, signalled: ReadonlySet<string> = new Set()): KeptUnfaulted {
  const unfaulted = entries.filter((e) => e.faults.length === 0);
  const n = unfaulted.length;
  const keptCount = unfaulted.filter((e) => kept.has(e.trace_id)).length;
  const forced = unfaulted.filter((e) => e.status >= 500).length;
  const may = unfaulted.filter((e) => e.status >= 500 || e.latency_ms >= LATENCY_POLICY_MS || signalled.has(e.trace_id)).length;
  const p = BASELINE_PERCENT / 100;
  const share = (certain: number) => (n === 0 ? 0 : (certain + (n - certain) * p) / n);
  const [expected, expectedMax] = [share(forced), share(may)];
  const sd = Math.sqrt(Math.max(n, 1) * p * (1 - p));
  const slack = KEPT_RATIO_Z * sd + 1;
  const predicted = unfaulted.filter((e) => probabilisticKeeps(e.trace_id, BASELINE_PERCENT));
  const predictedMissing = predicted.filter((e) => !kept.has(e.trace_id)).map((e) => e.trace_id);
  return {
    unfaulted: n,
    kept: keptCount,
    ratio: ratio(keptCount, n),
    expected_ratio: expected,
    expected_ratio_max: expectedMax,
    predicted_missing: predictedMissing.slice(0, SAMPLE),
    within_tolerance: n === 0 || (keptCount >= expected * n - slack && keptCount <= expectedMax * n + slack),
  };
}

/** Every failed criterion as {path, expected, actual}, all reported together. */
export function judge(verdicts: FaultVerdict[], kept: KeptUnfaulted, minFaulted: number, baselineMatches?: Record<string, number>): Mismatch[] {
  const out: Mismatch[] = [];
  for (const v of verdicts) {
    const at = (k: string) => `${v.fault}.${k}`;
    if (v.faulted < minFaulted) out.push({ path: at('faulted'), expected: `>= ${minFaulted}`, actual: String(v.faulted) });
    if (v.recall < PASS_RECALL && v.recall_mode !== 'measured') out.push({ path: at('recall'), expected: `>= ${PASS_RECALL}`, actual: recallActual(v) });
    if (v.queue) out.push(...judgeQueue(v.fault, v.queue));
    if (v.precision < PASS_PRECISION) out.push({ path: at('precision'), expected: `>= ${PASS_PRECISION}`, actual: v.precision.toFixed(4) });
  }
  for (const [fault, n] of Object.entries(baselineMatches ?? {})) {
    if (n > 0) out.push({ path: `baseline.${fault}.matches`, expected: '0', actual: String(n) });
  }
  if (kept.predicted_missing.length > 0) {
    out.push({ path: 'kept_unfaulted.predicted_by_hash', expected: 'every trace the 3% hash selects', actual: `${kept.predicted_missing.length} missing, e.g. ${kept.predicted_missing[0]}` });
  }
  if (!kept.within_tolerance) {
    out.push({ path: 'kept_unfaulted_ratio', expected: `${(kept.expected_ratio * 100).toFixed(2)}% to ${(kept.expected_ratio_max * 100).toFixed(2)}% +- ${KEPT_RATIO_Z} sd`, actual: `${(kept.ratio * 100).toFixed(2)}%` });
  }
  return out;
}

/**
 * The harness set's diagnostic coverage of the fault phase: per bottleneck class, at least
 * the goal's whole traces per minute (or all that occurred), and every error kept. The
 * phase's retention is the goal's cost side and is reported, not judged here.
 */
export function judgeCoverage(c: Coverage): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [fault, x] of Object.entries(c.per_class)) {
    if (x.met) continue;
    out.push({
      path: `${fault}.coverage`,
      expected: `>= ${x.required} whole traces kept in the ${c.fault_phase_s} s fault phase (${COVERAGE_GOAL.traces_per_min}/min, or all ${x.occurred} that occurred)`,
      actual: `${x.kept_whole} whole (${x.kept} kept)`,
    });
  }
  if (c.errors.occurred > 0 && c.errors.kept / c.errors.occurred < COVERAGE_GOAL.errors_kept) {
    out.push({ path: 'coverage.errors', expected: `all ${c.errors.occurred} errors of the fault phase kept`, actual: `${c.errors.kept} kept` });
  }
  return out;
}

/**
 * A queued request the seed's query missed is explained only when its wait was no longer
 * than its forward pass; one with a longer wait, or with no readable inference span,
 * means the signal itself is broken, whatever the pattern's recall mode.
 */
export function judgeQueue(fault: FaultName, q: QueueDistribution): Mismatch[] {
  const out: Mismatch[] = [];
  if (q.unmeasured > 0) {
    out.push({ path: `${fault}.queue.unmeasured`, expected: '0 faulted requests without queue_wait_ms and forward_pass_ms', actual: String(q.unmeasured) });
  }
  if (q.missed_unexplained.length > 0) {
    out.push({ path: `${fault}.queue.missed_unexplained`, expected: 'every missed request waited no longer than its forward pass', actual: `${q.missed_unexplained.length} waited longer, e.g. ${q.missed_unexplained[0]}` });
  }
  return out;
}

/** The recall with what was missed, so a CI failure names the signal that regressed. */
function recallActual(v: FaultVerdict): string {
  const missedBy = v.true_positives === 0 ? 'no faulted trace matched' : `${v.faulted - v.true_positives} of ${v.faulted} faulted traces not matched by`;
  return `${v.recall.toFixed(4)} — ${missedBy} ${v.detection_query}${v.missed_explained ? `: ${v.missed_explained}` : ''}`;
}

/** A kept faulted trace with fewer spans than tenant full holds was stored split. */
export function judgeWhole(split: { trace_id: string; full: number; kept: number }[], checked: number): Mismatch[] {
  if (split.length === 0) return [];
  const e = split[0]!;
  return [{ path: 'kept_whole', expected: `all ${checked} kept faulted traces complete`, actual: `${split.length} split, e.g. ${e.trace_id} (${e.kept} of ${e.full} spans)` }];
}
