/**
 * The Tempo side of a verdict: given a run's ledger, wait until Tempo holds every trace
 * and tail sampling has settled, then ask Tempo what the detection queries match and what
 * each sampled tenant kept, and judge. A scenario (scenario/run.ts) and the verdict-scale
 * bench (bench/verdict-scale.ts) both call this, so the bench times the code that judges.
 */
import type { LedgerEntry } from '../../faults/ledger.ts';
import { FAULT_NAMES, type FaultName } from '../../faults/registry.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import { HARNESS_TENANTS } from '../../stack/config.ts';
import type { NotMeasured, ScenarioVerdict } from '../reports/types.ts';
import { waterfall } from '../reports/waterfall.ts';
import type { RecallMode } from '../scenario/config.ts';
import { median } from '../stats.ts';
import { attrsToRecord, SEARCH_ALL_LIMIT, spansOf, type OtlpTrace, type TempoClient, type TimeRange } from '../tempo/client.ts';
import { diagnosticCoverage, type Coverage } from '../sampling/lab/coverage.ts';
import { keptSet, matchedBy, SAMPLING_QUIET_MS, spanCounts, SPANS_PER_TRACE_MAX, waitForAllTraces, waitForSampling, waitForSamplingToSettle, wholeBySearch, type WholeTraces } from './collect.ts';
import { spanDurationMs, spreadSample, stageKey } from './stages.ts';
import { faultVerdict, judge, judgeCoverage, judgeWhole, keptUnfaulted, PASS_RECALL, type FaultVerdict, type KeptUnfaulted, type Mismatch } from './compute.ts';
import type { SamplerCounts } from './collector-metrics.ts';
import { explainMissed } from './missing-signal.ts';
import { INFERENCE_SPANS_QUERY, queueDistribution, queueSampleFromHit, SEED_QUEUE_POLICY_MS } from './queue-ratio.ts';

export const TRACE_WAIT_MS = 90_000;
export const STAGE_SAMPLE = 30;
/** Missed traces fetched from tenant full to say which signal a failed recall lacks. */
export const EXPLAIN_SAMPLE = 5;
export const TENANTS = HARNESS_TENANTS;
/** The 300 ms half of the harness set's gpu-queue condition (docker/otelcol/config.yaml) as TraceQL. */
export const HARNESS_QUEUE_QUERY = `{ span.${Attr.queueWaitMs} >= ${SEED_QUEUE_POLICY_MS} }`;

export interface VerifyInput {
  /** Tenant full; the sampled tenants are reached through it unless given. */
  full: TempoClient;
  /** The seed's and the harness's sampled tenants (a team's Tempo names its own: STACK=external). */
  sampled?: { seed: TempoClient; harness: TempoClient };
  entries: LedgerEntry[];
  /** The load's time range, with slack. */
  range: TimeRange;
  /** The fault phase (unix ms of its start, its length): what diagnostic coverage is judged over. */
  faultPhase: { start_ms: number; s: number };
  /** When the stack started (epoch ms): the samplers' counters cover its whole life. */
  stackStartedAt: number;
  /**
   * The Collector's own telemetry, whose tail-sampling counters say when sampling has
   * settled and how much it kept; absent on a team's own Collector (STACK=external).
   */
  collectorTelemetryUrl?: string;
  /** Where the counters cannot be read: how long that Collector takes to store a decision, declared by its owner. */
  samplingWaitMs?: number;
  /** The stack's kind, for what the verdict says it could not measure. */
  stackKind?: string;
  /** The faults the run injected; none means a baseline run (every query must match nothing). */
  faults: FaultName[];
  detection: Record<FaultName, string>;
  recall: RecallMode;
  minFaulted: number;
  /** Further policy sets (the sampling lab), by name, with the tenant each writes to: tail sampling must settle them too. */
  labTenants?: { name: string; tenant: string }[];
  /** Ends the sampling wait early (the run failed elsewhere while it waited). */
  signal?: AbortSignal;
  /** How long each wait on Tempo may take (default TRACE_WAIT_MS). */
  waitMs?: number;
  /**
   * Traces to fetch whole from tenant full for the caller (the report's trace browser, the
   * lab's measures): read while the samplers are still deciding, once every run trace is searchable.
   */
  readWhole?: string[];
}

export interface VerifyResult {
  perFault: FaultVerdict[];
  baselineMatches?: Record<string, number>;
  kept: KeptUnfaulted;
  keptHarness: Set<string>;
  keptSeed: Set<string>;
  /** The harness set's diagnostic coverage of the fault phase (judged: judgeCoverage). */
  coverage: Coverage;
  whole: WholeTraces;
  failures: Mismatch[];
  /** Absent where the Collector's counters cannot be read (then in notMeasured). */
  crossCheck?: ScenarioVerdict['sampling_cross_check'];
  notMeasured: NotMeasured[];
  /** Each detection query's matches in tenant full, by the fault it detects (every fault in a baseline run). */
  matched: Map<FaultName, Set<string>>;
  waterfall: ScenarioVerdict['waterfall'];
  stages: ScenarioVerdict['stages'];
  device: string;
  /** Milliseconds per step, for the run's timings and the bench's breakdown. */
  timings: Record<string, number>;
  /** The traces of readWhole, by id (undefined: not found). */
  wholeTraces: Map<string, OtlpTrace | undefined>;
}

export async function verifyRun(input: VerifyInput): Promise<VerifyResult> {
  const { full, entries, range } = input;
  const waitMs = input.waitMs ?? TRACE_WAIT_MS;
  const timings: Record<string, number> = {};
  // Steps that overlap are each timed from the start of the verdict.
  const since = performance.now();
  const mark = (k: string) => (timings[k] = Math.round(performance.now() - since));
  const seedTenant = input.sampled?.seed ?? full.forTenant(TENANTS.seed);
  const harnessTenant = input.sampled?.harness ?? full.forTenant(TENANTS.harness);
  const lab = input.labTenants ?? [];
  const notMeasured: NotMeasured[] = [];
  // Over the whole life of the stack (priming included), as the sampler's counters are.
  const lifeRange: TimeRange = { start: Math.floor(input.stackStartedAt / 1000) - 5, end: range.end };
  // The samplers decide a trace seconds after its root arrives (the harness set's
  // decision_wait_after_root_received), which makes their wait the longest; what tenant
  // full says needs no decision, so it is read meanwhile.
  type Settled = { held: number[]; settled: boolean; counts?: SamplerCounts };
  const settled: Promise<Settled> = (input.collectorTelemetryUrl
    ? waitForSampling([seedTenant, harnessTenant, ...lab.map((l) => full.forTenant(l.tenant))], input.collectorTelemetryUrl, lifeRange, waitMs, input.signal)
    : waitForSamplingToSettle([seedTenant, harnessTenant], lifeRange, Date.now() + (input.samplingWaitMs ?? 0), waitMs)
  ).finally(() => mark('sampling_settled_ms'));
  // Awaited below; until then a rejection must not count as unhandled (it is rethrown there).
  settled.catch(() => undefined);
  const searchable = waitForAllTraces(full, entries.map((e) => e.trace_id), range, waitMs).finally(() => mark('traces_searchable_ms'));
  searchable.catch(() => undefined);
  // Read as soon as what they need holds, beside the detection queries: the kept sets once
  // sampling has settled; the span counts of tenant full and of the harness's tenant for the
  // whole check once, besides, every run trace is searchable in full (so full's counts are
  // the whole traces', not a part still being ingested).
  const when = <T>(ready: Promise<unknown>, read: () => Promise<T>): Promise<T> => {
    const p = ready.then(read);
    p.catch(() => undefined);
    return p;
  };
  const keptSets = when(settled, () => Promise.all([keptSet(harnessTenant, range), keptSet(seedTenant, range)]));
  const readWhole = when(searchable, () => full.tracesById(input.readWhole ?? [])).finally(() => mark('read_whole_ms'));
  readWhole.catch(() => undefined);
  const wholeCounts = when(Promise.all([settled, searchable]), () => Promise.all([spanCounts(full, range), spanCounts(harnessTenant, range)]));

  await searchable;
  const faulted = entries.filter((e) => e.faults.length > 0);
  // Each query's matches, asked once: the detection queries are asked again for the kept-unfaulted prediction.
  const asked = new Map<string, Promise<Set<string>>>();
  const matches = (q: string) => {
    if (!asked.has(q)) asked.set(q, matchedBy(full, q, range));
    return asked.get(q)!;
  };
  const matchedByFault = new Map<FaultName, Set<string>>();
  for (const f of input.faults.length ? input.faults : FAULT_NAMES) matchedByFault.set(f, await matches(input.detection[f]));
  const gpu = input.faults.includes('gpu-starvation') ? 'gpu-starvation' as const : undefined;
  const queue = gpu ? await queueOf(full, range, entries.filter((e) => e.faults.includes(gpu)).map((e) => e.trace_id), matchedByFault.get(gpu)!) : undefined;
  mark('detection_ms');
  // What the harness set's class policies may keep of the unfaulted requests: the traces
  // their conditions select, asked of tenant full (the four detection queries, which state
  // the same conditions, and the 300 ms queue wait).
  const signalled = new Set<string>();
  for (const q of [...new Set([...Object.values(input.detection), HARNESS_QUEUE_QUERY])]) for (const id of await matches(q)) signalled.add(id);
  const wf = await waterfallFor(full, faulted);
  const { stages, device } = await stageBreakdown(full, entries);
  mark('full_read_ms');

  const sampling = await settled;
  let crossCheck: ScenarioVerdict['sampling_cross_check'] | undefined;
  if (sampling.counts) {
    const counts = sampling.counts;
    crossCheck = {
      collector_sampled_total: counts.sampledTotal, tempo_kept_seed: sampling.held[0]!, tempo_kept_harness: sampling.held[1]!,
      ...(lab.length ? { tempo_kept_lab: Object.fromEntries(lab.map((l, i) => [l.name, sampling.held[2 + i]!])) } : {}),
      match: sampling.settled && counts.sampledTotal === sampling.held.reduce((a, b) => a + b, 0), per_policy: counts.perPolicy,
    };
  } else {
    notMeasured.push({
      what: 'sampling_cross_check',
      why: `the Collector's own tail-sampling counters are not readable on a STACK=${input.stackKind ?? 'external'} stack (no telemetry URL), so whether Tempo holds every trace it kept is unknown; ` +
        `the sampled tenants were read once the declared sampling wait had passed and they held still for ${SAMPLING_QUIET_MS} ms ` +
        `(${sampling.settled ? 'they did' : `they had not within ${waitMs} ms`}: seed ${sampling.held[0]}, harness ${sampling.held[1]} traces)`,
    });
  }
  const [keptHarness, keptSeed] = await keptSets;
  mark('kept_sets_ms');
  const perFault: FaultVerdict[] = [];
  for (const f of input.faults) {
    const v = faultVerdict(f, input.detection[f], entries, matchedByFault.get(f)!, keptHarness, keptSeed);
    v.recall_mode = input.recall;
    if (v.recall < PASS_RECALL) v.missed_explained = await explainMisses(full, v);
    if (f === gpu) v.queue = queue;
    perFault.push(v);
  }
  let baselineMatches: Record<string, number> | undefined;
  if (input.faults.length === 0) {
    const ids = new Set(entries.map((e) => e.trace_id));
    baselineMatches = Object.fromEntries(FAULT_NAMES.map((f) => [f, [...matchedByFault.get(f)!].filter((id) => ids.has(id)).length]));
  }
  const kept = keptUnfaulted(entries, keptHarness, signalled);
  const whole = await wholeBySearch(full, harnessTenant, faulted.map((e) => e.trace_id).filter((id) => keptHarness.has(id)), await wholeCounts);
  mark('kept_whole_ms');
  const coverage = diagnosticCoverage({
    entries, faults: input.faults, kept: keptHarness, split: new Set(whole.split.map((x) => x.trace_id)),
    fault_start_ms: input.faultPhase.start_ms, fault_s: input.faultPhase.s,
  });
  const failures = [...judge(perFault, kept, input.minFaulted, baselineMatches), ...judgeCoverage(coverage), ...judgeWhole(whole.split, whole.checked)];
  return {
    perFault, ...(baselineMatches ? { baselineMatches } : {}), kept, keptHarness, keptSeed, coverage, whole, failures,
    ...(crossCheck ? { crossCheck } : {}), notMeasured, matched: matchedByFault,
    waterfall: wf, stages, device, timings, wholeTraces: await readWhole,
  };
}

/**
 * Queue wait against forward pass over every request that queued behind the device fault,
 * from one search of the inference spans and their two attributes rather than a fetch of
 * each faulted trace.
 */
async function queueOf(full: TempoClient, range: TimeRange, faultedIds: string[], matched: Set<string>) {
  const hits = await full.searchAll(INFERENCE_SPANS_QUERY, range, SEARCH_ALL_LIMIT, SPANS_PER_TRACE_MAX);
  return queueDistribution(faultedIds.map((id) => queueSampleFromHit(id, hits.get(id))), new Set(faultedIds.filter((id) => !matched.has(id))));
}

/** Looks a few missed traces up in tenant full and names the query's signals they lack. */
async function explainMisses(full: TempoClient, v: FaultVerdict): Promise<string> {
  const traces = await Promise.all(v.missed.slice(0, EXPLAIN_SAMPLE).map(async (id) => {
    const t = await full.traceById(id);
    return t ? spansOf(t).map((s) => ({ name: s.name, attributes: attrsToRecord(s.attributes) })) : null;
  }));
  return explainMissed(v.detection_query, traces);
}

/** The slowest faulted trace; in a mixed run, the slowest of those hit by the most faults. */
async function waterfallFor(full: TempoClient, faulted: LedgerEntry[]): Promise<ScenarioVerdict['waterfall']> {
  if (faulted.length === 0) return null;
  const most = Math.max(...faulted.map((e) => e.faults.length));
  const pick = faulted.filter((e) => e.faults.length === most).sort((a, b) => b.latency_ms - a.latency_ms)[0]!;
  const trace = await full.traceById(pick.trace_id);
  return trace ? { trace_id: pick.trace_id, faults: pick.faults, rows: waterfall(trace) } : null;
}

/**
 * Median duration of each span name over a sample of faulted and unfaulted traces, and
 * the execution provider those traces' inference spans report.
 */
async function stageBreakdown(full: TempoClient, entries: LedgerEntry[]): Promise<{ stages: ScenarioVerdict['stages']; device: string }> {
  let device = 'unknown';
  const collect = async (xs: LedgerEntry[]) => {
    const by = new Map<string, number[]>();
    for (const e of spreadSample(xs, STAGE_SAMPLE)) {
      const t = await full.traceById(e.trace_id);
      for (const s of t ? spansOf(t) : []) {
        if (s.name === Spans.inference) device = String(attrsToRecord(s.attributes)[Attr.deviceType] ?? device);
        const key = stageKey(s);
        by.set(key, [...(by.get(key) ?? []), spanDurationMs(s)]);
      }
    }
    return by;
  };
  const f = await collect(entries.filter((e) => e.faults.length > 0));
  const u = await collect(entries.filter((e) => e.faults.length === 0));
  const medianOf = (xs: number[] | undefined) => (xs?.length ? median(xs) : null);
  const names = [...Object.values(Spans), ...[...new Set([...f.keys(), ...u.keys()])].filter((k) => !(Object.values(Spans) as string[]).includes(k)).sort()];
  const stages = names.filter((n) => f.has(n) || u.has(n)).map((n) => ({ stage: n, faulted_median_ms: medianOf(f.get(n)), unfaulted_median_ms: medianOf(u.get(n)) }));
  return { stages, device };
}
