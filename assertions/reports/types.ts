import type { FaultVerdict, KeptUnfaulted, Mismatch } from '../verdict/compute.ts';
import type { Coverage } from '../sampling/lab/coverage.ts';
import type { SetFigures } from '../sampling/lab/measure.ts';
import type { DashboardSaid } from '../verdict/dashboard.ts';
import type { WaterfallRow } from './waterfall.ts';
import type { StackKind } from '../../stack/provider.ts';

export interface StageBreakdown {
  stage: string;
  faulted_median_ms: number | null;
  unfaulted_median_ms: number | null;
}

/** verdict.json: the run's figures, the per-fault verdicts, and every failed criterion. */
export interface ScenarioVerdict {
  scenario: string;
  question: string;
  pass: boolean;
  short: boolean;
  /** Which stack provider ran Tempo and the Collector (STACK=local|containers), or whose they were (external). */
  stack?: StackKind;
  requests: number;
  faulted: number;
  recall: number | null;
  precision: number | null;
  /** Lowest survival over the faults, harness set and seed's set: reported, not judged. */
  survival_faulted: number | null;
  survival_faulted_seed: number | null;
  kept_unfaulted_ratio: number;
  kept_unfaulted: KeptUnfaulted;
  detection_query: string | Record<string, string>;
  duration_s: number;
  per_fault: FaultVerdict[];
  baseline_matches?: Record<string, number>;
  /** Share of the run's requests each set kept, and of the fault phase's (the coverage goal's cost side, reported). */
  retention: { harness: number; seed: number };
  retention_fault_phase: { harness: number; seed: number };
  /** The harness set's diagnostic coverage of the fault phase: what the verdict judges of tail sampling. */
  coverage: Coverage;
  /** Faulted traces the harness set kept, compared span by span with tenant full. */
  kept_whole: { checked: number; split: number; examples: { trace_id: string; full: number; kept: number }[] };
  failures: Mismatch[];
  waterfall: { trace_id: string; faults: string[]; rows: WaterfallRow[] } | null;
  stages: StageBreakdown[];
  device: string;
  k6: { exit_code: number | null; http_reqs?: number; p95_ms?: number; p99_ms?: number; dropped_iterations?: number };
  /**
   * Where the run's time went, in ms: each start from the run's start (the stack and the
   * pipeline start together), prime_ms and k6_ms on their own, the waits after the load
   * (traces_searchable, full_read, sampling_settled, dashboard_read) each from the load's
   * end, since they run side by side; stop_ms last.
   */
  timings: Record<string, number>;
  /** Tempo's sampled tenants against the Collector's own tail-sampling counters (absent where they cannot be read: see not_measured). */
  sampling_cross_check?: {
    collector_sampled_total: number; tempo_kept_seed: number; tempo_kept_harness: number;
    /** Traces each user policy set's tenant holds (POLICIES=...). */
    tempo_kept_lab?: Record<string, number>;
    match: boolean; per_policy: Record<string, number>;
  };
  /** Every policy set measured alike, when user sets ran beside the harness's (POLICIES=...). */
  policy_sets?: SetFigures[];
  /** Which Prometheus alerts fired, and when, beside the trace detection (not judged). */
  dashboard?: DashboardSaid;
  fault_counters: unknown;
  /** What this run could not measure, and why (STACK=external: the Collector's counters, which tenants exist...). Never judged as passed. */
  not_measured?: NotMeasured[];
}

export interface NotMeasured {
  /** The verdict field or table it concerns. */
  what: string;
  why: string;
}
