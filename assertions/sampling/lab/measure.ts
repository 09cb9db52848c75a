/**
 * What each policy set kept of one scenario run, and what that costs: survival of the
 * faulted traces per fault, retention of all traces in the warm-up and in the fault phase
 * separately, spans and bytes its Tempo tenant received, whether the faulted traces it
 * kept are whole, and which policy kept them (the sampler's `tailsampling.policy`
 * attribute, feature gate recordpolicy). Every set is measured the same way, the seed's
 * and the harness's included, so that the table compares like with like. Nothing here
 * reads a detection query: survival counts the ledger's faulted requests.
 */
import type { LedgerEntry } from '../../../faults/ledger.ts';
import type { FaultName } from '../../../faults/registry.ts';
import { attrsToRecord, type OtlpTrace, type TempoClient, type TimeRange } from '../../tempo/client.ts';
import { keptSet, wholeTraces } from '../../verdict/collect.ts';
import { parsePromText, sumOf } from '../../verdict/prom-text.ts';
import { diagnosticCoverage, goalVerdict, type Coverage, type GoalVerdict } from './coverage.ts';

/** The attribute the tail sampler stamps on a kept trace's instrumentation scopes (feature gate processor.tailsamplingprocessor.recordpolicy). */
export const POLICY_ATTRIBUTE = 'tailsampling.policy';

export interface SetUnderTest {
  name: string;
  source: string;
  tenant: string;
  /** The processor's name as the sampler's per-policy counters prefix it ("harness", "lab-<name>"). */
  processor: string;
}

export interface SetFigures {
  set: string;
  source: string;
  tenant: string;
  /** Per fault in scope: faulted requests, and how many of them the set kept. */
  survival: Partial<Record<FaultName, { faulted: number; kept: number }>>;
  /** The lowest survival over the faults in scope; null without a fault. */
  survival_min: number | null;
  /** Share of the run's requests kept: all of them, those of the warm-up, those of the fault phase. */
  retention: { all: number; warmup: number; fault: number };
  /** What the tenant received over the stack's life (priming included), and its share of tenant full's. */
  stored: { spans: number; bytes: number; spans_share_of_full: number; bytes_share_of_full: number };
  kept_whole: { checked: number; split: number };
  /** Faulted traces kept, by the policy that kept them (its root span's tailsampling.policy). */
  kept_by_policy: Record<string, number>;
  /** Traces the set's sampler decided over the stack's life (priming included). */
  decided: number;
  /** Diagnostic coverage in the fault phase (coverage.ts), and the goal judged on it. */
  coverage: Coverage;
  goal: GoalVerdict;
}

export interface RunPhases {
  /** Unix ms of the warm-up's start (the ledger's first request), and the phase lengths. */
  warmup_start_ms: number;
  warmup_s: number;
  fault_s: number;
}

export interface TempoIngest {
  spans: Record<string, number>;
  bytes: Record<string, number>;
}

/** Spans and bytes each Tempo tenant received (its distributor's counters). */
export async function readTempoIngest(tempoUrl: string): Promise<TempoIngest> {
  const res = await fetch(`${tempoUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Tempo metrics at ${tempoUrl}/metrics answered ${res.status}`);
  const out: TempoIngest = { spans: {}, bytes: {} };
  for (const { name, labels, value } of parsePromText(await res.text())) {
    const t = labels.tenant;
    if (!t) continue;
    if (name === 'tempo_distributor_spans_received_total') out.spans[t] = (out.spans[t] ?? 0) + value;
    if (name === 'tempo_distributor_bytes_received_total') out.bytes[t] = (out.bytes[t] ?? 0) + value;
  }
  return out;
}

/** Traces one set's sampler decided over the stack's life: each policy votes on every trace, so one policy's votes of both kinds count them. */
export function decidedBy(samplerText: string, processor: string): number {
  const samples = parsePromText(samplerText);
  const policy = samples.find((s) => s.name === 'otelcol_processor_tail_sampling_count_traces_sampled' && s.labels.policy?.startsWith(`${processor}.`))?.labels.policy;
  if (!policy) return 0;
  const votes = (sampled: string) => sumOf(samples, 'otelcol_processor_tail_sampling_count_traces_sampled', { policy, sampled });
  return votes('true') + votes('false');
}

/** The policy that kept a trace: the sampler writes it on the instrumentation scope of every span batch it releases. */
export function policyOf(t: OtlpTrace | undefined): string {
  for (const rs of t?.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      const v = attrsToRecord(ss.scope?.attributes)[POLICY_ATTRIBUTE];
      if (v !== undefined) return String(v);
    }
  }
  return '(not recorded)';
}

export interface MeasureInput {
  entries: LedgerEntry[];
  faults: FaultName[];
  fullFaulted: ReadonlyMap<string, OtlpTrace | undefined>;
  range: TimeRange;
  phases: RunPhases;
  ingest: TempoIngest;
  samplerText: string;
  fullTenant: string;
}

export async function measureSet(client: TempoClient, set: SetUnderTest, m: MeasureInput): Promise<SetFigures> {
  const kept = await keptSet(client, m.range);
  const faulted = m.entries.filter((e) => e.faults.length > 0);
  const survival: SetFigures['survival'] = {};
  for (const f of m.faults) {
    const ids = m.entries.filter((e) => e.faults.includes(f)).map((e) => e.trace_id);
    survival[f] = { faulted: ids.length, kept: ids.filter((id) => kept.has(id)).length };
  }
  const shares = Object.values(survival).filter((s) => s.faulted > 0).map((s) => s.kept / s.faulted);
  const faultStart = m.phases.warmup_start_ms + m.phases.warmup_s * 1000;
  const share = (xs: LedgerEntry[]) => (xs.length ? xs.filter((e) => kept.has(e.trace_id)).length / xs.length : 0);
  const keptFaulted = faulted.map((e) => e.trace_id).filter((id) => kept.has(id));
  const whole = await wholeTraces(m.fullFaulted, client, keptFaulted);
  const byPolicy: Record<string, number> = {};
  for (const id of keptFaulted) {
    const p = policyOf(whole.traces.get(id));
    byPolicy[p] = (byPolicy[p] ?? 0) + 1;
  }
  const coverage = diagnosticCoverage({
    entries: m.entries, faults: m.faults, kept, split: new Set(whole.split.map((x) => x.trace_id)), fault_start_ms: faultStart, fault_s: m.phases.fault_s,
  });
  const bytes = m.ingest.bytes[set.tenant] ?? 0;
  const fullBytes = m.ingest.bytes[m.fullTenant] ?? 0;
  const spans = m.ingest.spans[set.tenant] ?? 0;
  const fullSpans = m.ingest.spans[m.fullTenant] ?? 0;
  return {
    set: set.name,
    source: set.source,
    tenant: set.tenant,
    survival,
    survival_min: shares.length ? Math.min(...shares) : null,
    retention: {
      all: share(m.entries),
      warmup: share(m.entries.filter((e) => e.ts < faultStart)),
      fault: share(m.entries.filter((e) => e.ts >= faultStart)),
    },
    stored: { spans, bytes, spans_share_of_full: fullSpans ? spans / fullSpans : 0, bytes_share_of_full: fullBytes ? bytes / fullBytes : 0 },
    kept_whole: { checked: whole.checked, split: whole.split.length },
    kept_by_policy: byPolicy,
    decided: decidedBy(m.samplerText, set.processor),
    coverage,
    goal: goalVerdict(coverage),
  };
}
