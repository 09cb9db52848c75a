/**
 * One scenario, end to end, with the testbed's lifecycle: start the backend (Tempo and
 * the Collector), start the pipeline, prime it, run the load (k6), stop the load, wait
 * for the traces (by their ids, never by a clock), validate against the ledger, report,
 * stop everything.
 */
import path from 'node:path';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { FAULT_NAMES, type FaultName } from '../../faults/registry.ts';
import { loadStackConfig, type StackConfig } from '../../stack/config.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import type { ScenarioVerdict } from '../reports/types.ts';
import { waterfall } from '../reports/waterfall.ts';
import { median } from '../stats.ts';
import { attrsToRecord, spansOf, TempoClient, type OtlpTrace, type TimeRange } from '../tempo/client.ts';
import { keptSet, matchedBy, waitForAllTraces, waitForSampling, wholeTraces } from '../verdict/collect.ts';
import { faultVerdict, judge, judgeWhole, keptUnfaulted, PASS_RECALL, type FaultVerdict } from '../verdict/compute.ts';
import { whatTheDashboardSaid } from '../verdict/dashboard.ts';
import { explainMissed } from '../verdict/missing-signal.ts';
import { queueDistribution, queueSample, SEED_QUEUE_POLICY_MS } from '../verdict/queue-ratio.ts';
import type { ScenarioSpec } from './config.ts';
import { runK6 } from './k6.ts';
import { LAB_FEATURE_GATES, labProcessor, labTenant, writeLabLayer } from '../sampling/lab/layer.ts';
import { measureSet, readTempoIngest, type MeasureInput, type SetFigures, type SetUnderTest } from '../sampling/lab/measure.ts';
import type { PolicySet } from '../sampling/lab/policy-file.ts';
import { assertK6Ran, k6Target, startTestbed, type RunningTestbed } from './testbed.ts';

export const TRACE_WAIT_MS = 90_000;
export const STAGE_SAMPLE = 30;
/** Missed traces fetched from tenant full to say which signal a failed recall lacks. */
export const EXPLAIN_SAMPLE = 5;
export const TENANTS = { full: 'full', seed: 'sampled', harness: 'sampled-harness' } as const;
/** The harness set's high-gpu-queue-float policy (docker/otelcol/config.yaml) as TraceQL. */
export const HARNESS_QUEUE_QUERY = `{ span.${Attr.queueWaitMs} >= ${SEED_QUEUE_POLICY_MS} }`;

import { HarnessError } from './errors.ts';

export { HarnessError };

export interface RunOptions {
  /** Environment for the stack and the pipeline (ports...), on top of process.env. */
  env?: NodeJS.ProcessEnv;
  pipelineEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Start the stack; tests pass their own provider settings. */
  stackConfig?: StackConfig;
  /**
   * Policy sets to run beside the seed's and the harness's (make scenario-<p> POLICIES=...,
   * the sampling lab), each in its own pipeline and Tempo tenant; validated by the caller.
   * The verdict then measures every set alike (policy_sets); its pass stays the harness set's.
   */
  policySets?: PolicySet[];
}

export async function runScenario(spec: ScenarioSpec, opts: RunOptions = {}): Promise<ScenarioVerdict> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (k: string, since: number) => (timings[k] = Math.round(performance.now() - since));
  const baseCfg = opts.stackConfig ?? loadStackConfig({ ...process.env, ...opts.env, TAIL_DECISION_WAIT: spec.decision_wait });
  const lab = opts.policySets ?? [];
  const cfg: StackConfig = lab.length
    ? { ...baseCfg, collectorLayers: { files: [writeLabLayer(lab, path.join(baseCfg.runDir, 'otelcol'))], featureGates: LAB_FEATURE_GATES } }
    : baseCfg;
  let tb: RunningTestbed | undefined;
  // Ends the waits that run beside others when the run fails before they are awaited.
  const waits = new AbortController();
  try {
    tb = await startTestbed({
      stackConfig: cfg, providerEnv: { ...process.env, ...opts.env }, pipelineEnv: opts.pipelineEnv,
      entities: spec.entities, log: (l) => log(`[${spec.name}] ${l}`),
    });
    const { stack, admin, timings: setup } = tb;
    Object.assign(timings, setup);
    const cursor = await admin.ledgerHead();

    let t = performance.now();
    const loadStart = Date.now();
    log(`[${spec.name}] k6: ${spec.rate}/s, ${spec.warmup_s} s warm-up then ${spec.fault_s} s with ${Object.keys(spec.faults).join(', ') || 'no fault'}`);
    const k6 = await runK6(spec, k6Target(tb));
    mark('k6_ms', t);
    assertK6Ran(k6);
    const counters = await admin.status();
    const entries = await admin.ledgerAll(cursor);
    if (entries.length === 0) throw new HarnessError('the ledger recorded no request during the load');
    const range: TimeRange = { start: Math.floor(loadStart / 1000) - 5, end: Math.ceil(Date.now() / 1000) + 5 };

    const full = new TempoClient(stack.endpoints.tempoUrl, TENANTS.full);
    const seedTenant = full.forTenant(TENANTS.seed);
    const harnessTenant = full.forTenant(TENANTS.harness);
    // Over the whole life of the stack (priming included), as the sampler's counters are.
    const labTenants = lab.map((p) => full.forTenant(labTenant(p)));
    const faultsInScope = (Object.keys(spec.faults) as FaultName[]);
    const faulted = entries.filter((e) => e.faults.length > 0);
    // The phases as k6 ran them: its warm-up starts with the first request of the ledger.
    const warmupStart = Math.min(...entries.map((e) => e.ts)) / 1000;
    // The three waits watch different signals and need nothing of each other, so they run
    // together: the samplers decide a trace seconds after its root arrives (the harness
    // set's decision_wait_after_root_received), which makes theirs the longest; what tenant
    // full and Prometheus say needs no decision and is read meanwhile.
    const since = performance.now();
    const settled = waitForSampling([seedTenant, harnessTenant, ...labTenants], stack.endpoints.collectorTelemetryUrl,
      { start: Math.floor(tb.startedAt / 1000) - 5, end: range.end }, TRACE_WAIT_MS, waits.signal).finally(() => mark('sampling_settled_ms', since));
    const said = whatTheDashboardSaid(stack.endpoints.prometheusUrl, {
      warmup_start: Math.floor(warmupStart), fault_start: Math.round(warmupStart + spec.warmup_s),
      fault_end: Math.round(warmupStart + spec.warmup_s + spec.fault_s),
    }, TRACE_WAIT_MS, waits.signal).finally(() => mark('dashboard_read_ms', since));
    // Awaited below; until then a rejection must not count as unhandled (it is rethrown there).
    settled.catch(() => undefined);
    said.catch(() => undefined);
    log(`[${spec.name}] waiting for ${entries.length} traces in Tempo`);
    await waitForAllTraces(full, entries.map((e) => e.trace_id), range, TRACE_WAIT_MS);
    mark('traces_searchable_ms', since);
    const read = await readFull(full, spec, entries, faultsInScope, range);
    mark('full_read_ms', since);
    const [sampling, dashboard] = await Promise.all([settled, said]);
    const { fullFaulted, matchedByFault, baselineMatches, signalled } = read;
    const [keptHarness, keptSeed] = await Promise.all([keptSet(harnessTenant, range), keptSet(seedTenant, range)]);
    const crossCheck: ScenarioVerdict['sampling_cross_check'] = {
      collector_sampled_total: sampling.counts.sampledTotal, tempo_kept_seed: sampling.held[0]!, tempo_kept_harness: sampling.held[1]!,
      ...(lab.length ? { tempo_kept_lab: Object.fromEntries(lab.map((p, i) => [p.name, sampling.held[2 + i]!])) } : {}),
      match: sampling.settled && sampling.counts.sampledTotal === sampling.held.reduce((a, b) => a + b, 0), per_policy: sampling.counts.perPolicy,
    };
    const perFault: FaultVerdict[] = [];
    for (const f of faultsInScope) {
      const matched = matchedByFault.get(f)!;
      const v = faultVerdict(f, spec.detection[f], entries, matched, keptHarness, keptSeed);
      v.recall_mode = spec.recall;
      if (v.recall < PASS_RECALL) v.missed_explained = await explainMisses(full, v);
      if (f === 'gpu-starvation') v.queue = queueOf(fullFaulted, entries.filter((e) => e.faults.includes(f)).map((e) => e.trace_id), matched);
      perFault.push(v);
    }
    const kept = keptUnfaulted(entries, keptHarness, signalled);
    const whole = await wholeTraces(fullFaulted, harnessTenant, faulted.map((e) => e.trace_id).filter((id) => keptHarness.has(id)));
    const failures = [...judge(perFault, kept, spec.min_faulted, baselineMatches), ...judgeWhole(whole.split, whole.checked)];
    const runIds = new Set(entries.map((e) => e.trace_id));
    const keptShare = (s: Set<string>) => [...s].filter((id) => runIds.has(id)).length / entries.length;

    const policySets = lab.length ? await measurePolicySets(full, stack.endpoints, lab, {
      entries, faults: faultsInScope, fullFaulted, range, fullTenant: TENANTS.full,
      phases: { warmup_start_ms: warmupStart * 1000, warmup_s: spec.warmup_s, fault_s: spec.fault_s },
    }) : undefined;
    const { waterfall: wf, stages, device } = read;
    const sumOver = <K extends 'faulted' | 'true_positives' | 'matched'>(k: K) => perFault.reduce((a, v) => a + v[k], 0);
    const verdict: ScenarioVerdict = {
      scenario: spec.name,
      question: spec.question,
      pass: failures.length === 0,
      short: spec.short,
      stack: tb.kind,
      requests: entries.length,
      faulted: faulted.length,
      recall: perFault.length ? sumOver('true_positives') / Math.max(1, sumOver('faulted')) : null,
      precision: perFault.length ? sumOver('true_positives') / Math.max(1, sumOver('matched')) : null,
      survival_faulted: perFault.length ? Math.min(...perFault.map((v) => v.survival_faulted)) : null,
      survival_faulted_seed: perFault.length ? Math.min(...perFault.map((v) => v.survival_faulted_seed)) : null,
      kept_unfaulted_ratio: kept.ratio,
      kept_unfaulted: kept,
      detection_query: perFault.length === 1 ? perFault[0]!.detection_query : Object.fromEntries((perFault.length ? faultsInScope : FAULT_NAMES).map((f) => [f, spec.detection[f]])),
      duration_s: (performance.now() - t0) / 1000,
      per_fault: perFault,
      ...(baselineMatches ? { baseline_matches: baselineMatches } : {}),
      retention: { harness: keptShare(keptHarness), seed: keptShare(keptSeed) },
      kept_whole: { checked: whole.checked, split: whole.split.length, examples: whole.split.slice(0, 10) },
      failures,
      waterfall: wf,
      stages,
      device,
      k6: {
        exit_code: k6.exitCode,
        http_reqs: k6.summary?.metrics?.http_reqs?.count,
        p95_ms: k6.summary?.metrics?.http_req_duration?.['p(95)'],
        p99_ms: k6.summary?.metrics?.http_req_duration?.['p(99)'],
        dropped_iterations: k6.summary?.metrics?.dropped_iterations?.count ?? 0,
      },
      timings,
      sampling_cross_check: crossCheck,
      ...(policySets ? { policy_sets: policySets } : {}),
      dashboard,
      fault_counters: counters.faults.filter((f) => f.enabled || Object.values(f.counters).some((n) => n > 0)).map((f) => ({ name: f.name, counters: f.counters })),
    };
    return verdict;
  } finally {
    waits.abort();
    const t = performance.now();
    await tb?.stop();
    timings.stop_ms = Math.round(performance.now() - t);
  }
}

/** What the verdict reads of tenant full: it needs no sampling decision. */
interface FullRead {
  /** The faulted traces, fetched once: the queue distribution and the whole-trace check both read them. */
  fullFaulted: ReadonlyMap<string, OtlpTrace | undefined>;
  matchedByFault: Map<FaultName, Set<string>>;
  /** In a run with no fault, how many of its traces each detection query matched. */
  baselineMatches: Record<string, number> | undefined;
  /**
   * The traces the harness set's conditions select, asked of tenant full (the four
   * detection queries, which its extra policies restate, and its float queue policy):
   * what its other policies keep of the unfaulted requests.
   */
  signalled: Set<string>;
  waterfall: ScenarioVerdict['waterfall'];
  stages: ScenarioVerdict['stages'];
  device: string;
}

async function readFull(full: TempoClient, spec: ScenarioSpec, entries: LedgerEntry[], faults: FaultName[], range: TimeRange): Promise<FullRead> {
  const faulted = entries.filter((e) => e.faults.length > 0);
  const fullFaulted = await full.tracesById(faulted.map((e) => e.trace_id));
  const matchedByFault = new Map<FaultName, Set<string>>();
  for (const f of faults) matchedByFault.set(f, await matchedBy(full, spec.detection[f], range));
  let baselineMatches: Record<string, number> | undefined;
  if (faults.length === 0) {
    baselineMatches = {};
    const ids = new Set(entries.map((e) => e.trace_id));
    for (const f of FAULT_NAMES) baselineMatches[f] = [...await matchedBy(full, spec.detection[f], range)].filter((id) => ids.has(id)).length;
  }
  const signalled = new Set<string>();
  for (const q of [...new Set([...Object.values(spec.detection), HARNESS_QUEUE_QUERY])]) for (const id of await matchedBy(full, q, range)) signalled.add(id);
  const waterfall = await waterfallFor(full, spec, faulted);
  const { stages, device } = await stageBreakdown(full, entries);
  return { fullFaulted, matchedByFault, baselineMatches, signalled, waterfall, stages, device };
}

/** The seed's set, the harness's and each user set, measured alike (assertions/sampling/lab/measure.ts). */
async function measurePolicySets(
  full: TempoClient, endpoints: { tempoUrl: string; collectorTelemetryUrl: string }, lab: PolicySet[],
  m: Omit<MeasureInput, 'ingest' | 'samplerText'>,
): Promise<SetFigures[]> {
  const ingest = await readTempoIngest(endpoints.tempoUrl);
  const samplerText = await (await fetch(endpoints.collectorTelemetryUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const sets: SetUnderTest[] = [
    { name: 'seed', source: 'docker/otelcol/config.yaml (tail_sampling/seed)', tenant: TENANTS.seed, processor: 'seed' },
    { name: 'harness', source: 'docker/otelcol/config.yaml (tail_sampling/harness)', tenant: TENANTS.harness, processor: 'harness' },
    ...lab.map((p) => ({ name: p.name, source: p.source, tenant: labTenant(p), processor: labProcessor(p).replace(/^tail_sampling\//, '') })),
  ];
  const out: SetFigures[] = [];
  for (const s of sets) out.push(await measureSet(full.forTenant(s.tenant), s, { ...m, ingest, samplerText }));
  return out;
}

/** Queue wait against forward pass over every request that queued behind the device fault. */
function queueOf(traces: ReadonlyMap<string, OtlpTrace | undefined>, faultedIds: string[], matched: Set<string>) {
  return queueDistribution(faultedIds.map((id) => queueSample(id, traces.get(id))), new Set(faultedIds.filter((id) => !matched.has(id))));
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
async function waterfallFor(full: TempoClient, spec: ScenarioSpec, faulted: LedgerEntry[]): Promise<ScenarioVerdict['waterfall']> {
  if (faulted.length === 0) return null;
  const most = Math.max(...faulted.map((e) => e.faults.length));
  const pick = faulted.filter((e) => e.faults.length === most).sort((a, b) => b.latency_ms - a.latency_ms)[0]!;
  const trace = await full.traceById(pick.trace_id);
  return trace ? { trace_id: pick.trace_id, faults: pick.faults, rows: waterfall(trace) } : null;
}

/**
 * A span's row in the stage breakdown: its name, and for the HTTP spans between services
 * (two of one name, the caller's and the callee's) which side it is, so that the time a
 * call spends between the two shows as the CLIENT row less the SERVER row.
 */
function stageKey(s: { name: string; kind?: string | number }): string {
  const side = s.kind === 'SPAN_KIND_CLIENT' ? 'client' : s.kind === 'SPAN_KIND_SERVER' ? 'server' : undefined;
  return side && !(Object.values(Spans) as string[]).includes(s.name) ? `${s.name} (${side})` : s.name;
}

/**
 * Median duration of each span name over a sample of faulted and unfaulted traces, and
 * the execution provider those traces' inference spans report.
 */
async function stageBreakdown(full: TempoClient, entries: LedgerEntry[]): Promise<{ stages: ScenarioVerdict['stages']; device: string }> {
  let device = 'unknown';
  const sample = (xs: LedgerEntry[]) => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / STAGE_SAMPLE)) === 0).slice(0, STAGE_SAMPLE);
  const collect = async (xs: LedgerEntry[]) => {
    const by = new Map<string, number[]>();
    for (const e of sample(xs)) {
      const t = await full.traceById(e.trace_id);
      for (const s of t ? spansOf(t) : []) {
        if (s.name === Spans.inference) device = String(attrsToRecord(s.attributes)[Attr.deviceType] ?? device);
        const d = Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6;
        const key = stageKey(s);
        by.set(key, [...(by.get(key) ?? []), d]);
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
