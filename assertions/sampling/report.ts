/**
 * The tail-sampling proof as one report: the survival table per pattern under both
 * policy sets, the retention share, the harness set's diagnostic coverage, the
 * early-warning table, the seed's queries, late spans, scale-out, and each claim with
 * whether it held. Pure: unit-tested alone.
 */
import type { ScenarioVerdict } from '../reports/types.ts';
import { judgeCoverage } from '../verdict/compute.ts';
import type { DoseResponse } from './dose-response.ts';
import type { LateSpanResult } from './late-spans.ts';
import type { ScaleOutResult } from './scale-out.ts';
import type { SeedQueryResult } from './seed-queries.ts';

/** The seed's stated retention of its policy set (section 8). */
export const SEED_RETENTION = { low: 0.03, high: 0.08 } as const;
/** Binomial tolerance around the stated band, in standard deviations of the 3% policy. */
export const RETENTION_Z = 4;

export interface SurvivalRow {
  pattern: string;
  pass: boolean;
  requests: number;
  faulted: number;
  survival_seed: number | null;
  survival_harness: number | null;
  retention_seed: number;
  retention_harness: number;
  /** The fault phase's share the harness set kept (the coverage goal's cost side). */
  retention_fault_harness: number;
  /** The harness set's diagnostic coverage (classes and errors, what the verdict judges): met, or each miss. */
  coverage_harness: { met: boolean; missed: string[] };
  kept_whole: string;
  collector_matches_tempo: boolean;
}

export interface Claim {
  claim: string;
  holds: boolean;
  detail: string;
}

export interface SamplingReport {
  short: boolean;
  duration_s: number;
  survival: SurvivalRow[];
  dose_response: DoseResponse | null;
  seed_queries: SeedQueryResult[];
  late_spans: LateSpanResult | null;
  scale_out: ScaleOutResult | null;
  /** A part that could not run, with the reason. */
  errors: string[];
  claims: Claim[];
}

export function survivalRow(v: ScenarioVerdict): SurvivalRow {
  return {
    pattern: v.scenario,
    pass: v.pass,
    requests: v.requests,
    faulted: v.faulted,
    survival_seed: v.survival_faulted_seed,
    survival_harness: v.survival_faulted,
    retention_seed: v.retention.seed,
    retention_harness: v.retention.harness,
    retention_fault_harness: v.retention_fault_phase.harness,
    coverage_harness: ((m) => ({ met: m.length === 0, missed: m.map((x) => `${x.path}: ${x.actual}, expected ${x.expected}`) }))(judgeCoverage(v.coverage)),
    kept_whole: `${v.kept_whole.checked - v.kept_whole.split}/${v.kept_whole.checked}`,
    collector_matches_tempo: v.sampling_cross_check?.match ?? false,
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** Each claim of the issue, judged on the measured figures. */
export function judgeClaims(r: Omit<SamplingReport, 'claims'>): Claim[] {
  const out: Claim[] = [];
  const faulted = r.survival.filter((s) => s.faulted > 0);
  if (faulted.length) {
    const missed = faulted.filter((s) => !s.coverage_harness.met);
    out.push({ claim: 'the harness set keeps the diagnostic coverage of every pattern (per class 30 whole traces a minute or all, every error)', holds: missed.length === 0,
      detail: missed.length ? missed.map((s) => `${s.pattern}: ${s.coverage_harness.missed.join('; ')}`).join(' | ')
        : faulted.map((s) => `${s.pattern} met at ${pct(s.retention_fault_harness)} fault-phase retention (survival ${pct(s.survival_harness)})`).join(', ') });
  }
  const cold = r.survival.find((s) => s.pattern === 'cold-start');
  if (cold) {
    out.push({ claim: 'the seed\'s set loses most cold-start traces', holds: (cold.survival_seed ?? 1) < 0.5, detail: `seed set keeps ${pct(cold.survival_seed)}` });
  }
  const base = r.survival.find((s) => s.faulted === 0 && s.requests > 0);
  if (base) {
    const sd = Math.sqrt(SEED_RETENTION.low * (1 - SEED_RETENTION.low) / base.requests);
    const [lo, hi] = [SEED_RETENTION.low - RETENTION_Z * sd, SEED_RETENTION.high + RETENTION_Z * sd];
    const inside = base.retention_harness >= SEED_RETENTION.low && base.retention_harness <= SEED_RETENTION.high;
    out.push({ claim: 'with no fault, the harness set retains the seed\'s 3 to 8% (within the binomial noise of the 3% policy)', holds: base.retention_harness >= lo && base.retention_harness <= hi,
      detail: `${pct(base.retention_harness)} of ${base.requests} (${inside ? 'inside' : 'outside'} 3-8%; tolerance for ${base.requests} traces ${pct(Math.max(0, lo))}-${pct(hi)})` });
  }
  const mismatched = r.survival.filter((s) => !s.collector_matches_tempo);
  if (r.survival.length) {
    out.push({ claim: 'Tempo\'s sampled tenants hold exactly what the Collector\'s counters say it kept', holds: mismatched.length === 0,
      detail: mismatched.length ? `mismatch in ${mismatched.map((s) => s.pattern).join(', ')}` : `all ${r.survival.length} runs match` });
  }
  if (r.late_spans) {
    const nc = r.late_spans.outcomes['no-cache'];
    const c = r.late_spans.outcomes.cache;
    out.push({ claim: 'without a decision cache, a span after eviction is lost; with one, it follows the decision', holds: nc.lost.length === 1 && c.lost.length === 0,
      detail: `no cache: ${nc.stored.length}/4 spans stored (lost ${nc.lost.join(', ') || 'none'}); cache: ${c.stored.length}/4` });
  }
  if (r.dose_response) {
    const d = r.dose_response;
    const agree = d.steps.every((s) => Math.abs(s.mean_tempo - s.mean_metrics) < 1e-9 && Math.abs(s.mean_prometheus - s.mean_metrics) < 1e-9);
    out.push({ claim: 'mean validation attempts rises monotonically with corruption, in Tempo and in the metrics', holds: d.monotonic.tempo && d.monotonic.metrics,
      detail: d.steps.map((s) => `${pct(s.corruption_rate)}: ${s.mean_tempo.toFixed(3)}`).join(', ') });
    out.push({ claim: 'Tempo\'s TraceQL metrics, the exported histogram and Prometheus give the same mean per step', holds: agree,
      detail: agree ? 'equal at every step' : d.steps.map((s) => `${s.mean_tempo.toFixed(4)} vs ${s.mean_metrics.toFixed(4)} vs ${s.mean_prometheus.toFixed(4)}`).join(', ') });
    const fc = d.first_crossing;
    out.push({ claim: `both signals cross the seed's ${d.alert_level} alert level`, holds: fc.tempo_alert !== null && fc.tempo_alert === fc.metrics_alert,
      detail: `Tempo at ${pct(fc.tempo_alert)}, metrics at ${pct(fc.metrics_alert)} corruption; first HTTP 5xx at ${pct(fc.http_errors)}` });
  }
  if (r.scale_out) {
    const s = r.scale_out;
    out.push({ claim: 'routing by trace id keeps every faulted trace whole across two samplers', holds: s.faulted > 0 && s.by_trace_id.whole === s.faulted,
      detail: `${s.by_trace_id.whole}/${s.faulted} whole` });
    out.push({ claim: 'sampling where the spans land (no trace-id routing) stores faulted traces split', holds: s.split.partial > 0,
      detail: `${s.split.whole} whole, ${s.split.partial} partial, ${s.split.missing} missing of ${s.faulted}` });
  }
  for (const e of r.errors) out.push({ claim: 'every part ran', holds: false, detail: e });
  return out;
}

/** A report written before coverage was measured (the fixtures, older runs) shows n/a. */
const coverageText = (s: SurvivalRow): string => (s.coverage_harness === undefined ? 'n/a' : s.coverage_harness.met ? 'met' : `missed: ${s.coverage_harness.missed.join('; ')}`);

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: SamplingReport): string {
  const parts: string[] = [`# Tail sampling: what survives, what is lost, what warns first${r.short ? ' (short run)' : ''}`, ''];
  parts.push('## Survival per pattern, both policy sets', '',
    table(['pattern', 'verdict', 'requests', 'faulted', 'kept by seed set', 'kept by harness set', 'retention (seed)', 'retention (harness)', 'fault-phase retention (harness)', 'coverage (harness)', 'kept whole', 'Collector = Tempo'],
      r.survival.map((s) => [s.pattern, s.pass ? 'pass' : 'FAIL (reports/' + s.pattern + '/)', s.requests, s.faulted, pct(s.survival_seed), pct(s.survival_harness), pct(s.retention_seed), pct(s.retention_harness),
        pct(s.retention_fault_harness ?? null), coverageText(s), s.kept_whole, s.collector_matches_tempo ? 'yes' : 'NO'])), '',
      'The harness set is cost-bounded (docker/otelcol/config.yaml): survival is reported; what its verdict judges is diagnostic coverage. Every error is kept by its unbounded errors policy, so that part holds by construction.', '');
  if (r.dose_response) {
    const d = r.dose_response;
    parts.push(`## Early warning: silent revalidation, dose-response (alert level ${d.alert_level}, early level ${d.early_level})`, '',
      table(['corruption', 'requests', 'outputs corrupted', 'mean attempts (TraceQL metrics)', 'mean attempts (exported sum/count)', 'mean attempts (Prometheus)', 'seed\'s alert expression at the step\'s end (10 min window)', 'HTTP 5xx'],
        d.steps.map((s) => [pct(s.corruption_rate), s.requests, s.outputs_corrupted, s.mean_tempo.toFixed(3), s.mean_metrics.toFixed(3), s.mean_prometheus.toFixed(3), s.seed_alert_value?.toFixed(3) ?? 'no value', `${s.http_5xx} (${pct(s.http_error_rate)})`])), '',
      `First crossing of ${d.alert_level}: TraceQL metrics at ${pct(d.first_crossing.tempo_alert)}, exported metrics at ${pct(d.first_crossing.metrics_alert)} corruption; ` +
      `the seed's alert expression as Prometheus evaluated it (its 10-minute window spans the earlier steps) at ${pct(d.first_crossing.prometheus_seed_alert)}. ` +
      `Of ${d.early_level}: ${pct(d.first_crossing.tempo_early)} and ${pct(d.first_crossing.metrics_early)}. First HTTP 5xx: ${pct(d.first_crossing.http_errors)}.`, '');
  }
  if (r.seed_queries.length) {
    parts.push('## The seed\'s section-7 queries, verbatim', '',
      'The PromQL ones run on Prometheus exactly as the seed writes them; Tempo is asked too (it rejects PromQL), and a TraceQL equivalent asks Tempo the same question of the traces.', '',
      table(['purpose', 'Prometheus\'s answer', 'accepted by Tempo', 'Tempo\'s answer', 'series in the exporter', 'TraceQL equivalent', 'its answer'],
        r.seed_queries.map((q) => [q.purpose, (q.prometheus_answer ?? 'n/a (TraceQL)').replace(/\|/g, '\\|'), q.accepted_by_tempo ? 'yes' : 'no', q.tempo_answer.replace(/\|/g, '\\|').replace(/\n/g, ' '),
          q.series_in_exporter ? Object.entries(q.series_in_exporter).map(([k, v]) => `${k}: ${v ? 'yes' : 'no'}`).join(', ') : 'n/a',
          `\`${q.equivalent.replace(/\|/g, '\\|')}\``, q.equivalent_answer.replace(/\|/g, '\\|')])), '');
  }
  if (r.late_spans) {
    const l = r.late_spans;
    parts.push(`## Late spans (decision_wait ${l.decision_wait}, num_traces ${l.num_traces}, ${l.filler_traces} filler traces)`, '',
      table(['decision cache', 'spans stored (of 4)', 'lost', 'released from cache'],
        (['no-cache', 'cache'] as const).map((v) => [v === 'cache' ? 'yes' : 'no', l.outcomes[v].stored.length, l.outcomes[v].lost.join(', ') || 'none', l.outcomes[v].released_from_cache])), '');
  }
  if (r.scale_out) {
    const s = r.scale_out;
    parts.push(`## Scale-out: two front Collectors (spans ${s.spans_per_front.join(' / ')}), two samplers behind them (spans ${s.spans_per_back.join(' / ')})`, '',
      table(['topology', 'faulted traces', 'whole', 'partial', 'missing'], [
        ['load balancing by trace id', s.faulted, s.by_trace_id.whole, s.by_trace_id.partial, s.by_trace_id.missing],
        ['each front samples what it sees', s.faulted, s.split.whole, s.split.partial, s.split.missing],
      ]), '');
    if (s.split_example) parts.push(`Example of a split trace (${s.split_example.faults.join(', ')}): tenant full has ${s.split_example.full.join(', ')}; the split topology kept only ${s.split_example.kept.join(', ')}.`, '');
  }
  parts.push('## Claims', '', ...r.claims.map((c) => `- ${c.holds ? 'holds' : '**FAILS**'}: ${c.claim} (${c.detail})`), '');
  return parts.join('\n');
}
