/**
 * One scenario, end to end, with the testbed's lifecycle: start the backend (Tempo and
 * the Collector), start the pipeline, prime it, run the load (k6), stop the load, wait
 * for the traces (by their ids, never by a clock), validate against the ledger, report,
 * stop everything.
 */
import path from 'node:path';
import { FAULT_NAMES, type FaultName } from '../../faults/registry.ts';
import { loadStackConfig, type StackConfig } from '../../stack/config.ts';
import { buildReportData, unfaultedSample, type ReportData } from '../reports/report-data.ts';
import type { NotMeasured, ScenarioVerdict } from '../reports/types.ts';
import { ExternalRunningStack } from '../../stack/external.ts';
import { ownEndpoint } from '../../stack/provider.ts';
import { tempoClientFor, TempoClient, type TimeRange } from '../tempo/client.ts';
import { whatTheDashboardSaid } from '../verdict/dashboard.ts';
import { EXPLAIN_SAMPLE, HARNESS_QUEUE_QUERY, STAGE_SAMPLE, TENANTS, TRACE_WAIT_MS, verifyRun } from '../verdict/verify.ts';
import type { ScenarioSpec } from './config.ts';
import { runK6 } from './k6.ts';
import { LAB_FEATURE_GATES, labProcessor, labTenant, writeLabLayer } from '../sampling/lab/layer.ts';
import { measureSet, readTempoIngest, type MeasureInput, type SetFigures, type SetUnderTest } from '../sampling/lab/measure.ts';
import type { PolicySet } from '../sampling/lab/policy-file.ts';
import { assertK6Ran, k6Target, startTestbed, type RunningTestbed } from './testbed.ts';

export { EXPLAIN_SAMPLE, HARNESS_QUEUE_QUERY, STAGE_SAMPLE, TENANTS, TRACE_WAIT_MS };

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

/** A run's verdict, and the points behind it that report.html draws (report-data.json). */
export interface ScenarioRun {
  verdict: ScenarioVerdict;
  reportData: ReportData;
}

/**
 * The line a run prints once its load has ended and the verdict starts waiting on the
 * backends; a caller that runs scenarios one after another may start the next one's load then.
 */
export const loadEndedLine = (requests: number) => `waiting for ${requests} traces in Tempo`;
export const LOAD_ENDED_LINE = /^\[[^\]]+\] waiting for \d+ traces in Tempo$/m;

export async function runScenario(spec: ScenarioSpec, opts: RunOptions = {}): Promise<ScenarioVerdict> {
  return (await runScenarioWithData(spec, opts)).verdict;
}

export async function runScenarioWithData(spec: ScenarioSpec, opts: RunOptions = {}): Promise<ScenarioRun> {
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

    const t = performance.now();
    const loadStart = Date.now();
    log(`[${spec.name}] k6: ${spec.rate}/s, ${spec.warmup_s} s warm-up then ${spec.fault_s} s with ${Object.keys(spec.faults).join(', ') || 'no fault'}`);
    const k6 = await runK6(spec, k6Target(tb));
    mark('k6_ms', t);
    assertK6Ran(k6);
    const counters = await admin.status();
    const entries = await admin.ledgerAll(cursor);
    if (entries.length === 0) throw new HarnessError('the ledger recorded no request during the load');
    const range: TimeRange = { start: Math.floor(loadStart / 1000) - 5, end: Math.ceil(Date.now() / 1000) + 5 };

    const full = tempoClientFor(stack, 'full');
    const faultsInScope = (Object.keys(spec.faults) as FaultName[]);
    const faulted = entries.filter((e) => e.faults.length > 0);
    // The phases as k6 ran them: its warm-up starts with the first request of the ledger.
    const warmupStart = Math.min(...entries.map((e) => e.ts)) / 1000;
    const faultStartMs = warmupStart * 1000 + spec.warmup_s * 1000;
    // The dashboard's wait watches Prometheus, the verdict's Tempo and the samplers: they
    // need nothing of each other, so they run together.
    const since = performance.now();
    const said = stack.endpoints.prometheusUrl ? whatTheDashboardSaid(stack.endpoints.prometheusUrl, {
      warmup_start: Math.floor(warmupStart), fault_start: Math.round(warmupStart + spec.warmup_s),
      fault_end: Math.round(warmupStart + spec.warmup_s + spec.fault_s),
    }, TRACE_WAIT_MS, waits.signal).finally(() => mark('dashboard_read_ms', since)) : Promise.resolve(undefined);
    // Awaited below; until then a rejection must not count as unhandled (it is rethrown there).
    said.catch(() => undefined);
    log(`[${spec.name}] ${loadEndedLine(entries.length)}`);
    const v = await verifyRun({
      full, sampled: { seed: tempoClientFor(stack, 'seed'), harness: tempoClientFor(stack, 'harness') },
      entries, range, faultPhase: { start_ms: faultStartMs, s: spec.fault_s }, stackStartedAt: tb.startedAt, collectorTelemetryUrl: stack.endpoints.collectorTelemetryUrl,
      samplingWaitMs: stack instanceof ExternalRunningStack ? stack.samplingWaitMs : 0, stackKind: stack.kind,
      faults: faultsInScope, detection: spec.detection, recall: spec.recall, minFaulted: spec.min_faulted, labTenants: lab.map((p) => ({ name: p.name, tenant: labTenant(p) })),
      signal: waits.signal, readWhole: [...faulted, ...unfaultedSample(entries)].map((e) => e.trace_id),
    });
    Object.assign(timings, v.timings);
    const { perFault, baselineMatches, kept, keptHarness, keptSeed, coverage, whole, failures, crossCheck } = v;
    const notMeasured: NotMeasured[] = [...v.notMeasured];
    const runIds = new Set(entries.map((e) => e.trace_id));
    const keptShare = (s: Set<string>) => [...s].filter((id) => runIds.has(id)).length / entries.length;
    const phase = entries.filter((e) => e.ts >= faultStartMs);
    const keptPhaseShare = (s: Set<string>) => (phase.length ? phase.filter((e) => s.has(e.trace_id)).length / phase.length : 0);

    const dashboard = await said;
    if (!dashboard) notMeasured.push({ what: 'dashboard', why: 'no Prometheus was given (HARNESS_EXTERNAL_PROMETHEUS_URL), so which alerts fired is not known' });
    if (stack.kind === 'external') {
      notMeasured.push({
        what: 'tenants',
        why: `whether tenants ${Object.values(stack.tempo.tenants).join(', ')} are the ones your Collector writes: Tempo answers a tenant it has never seen like an empty one; ` +
          'an empty seed or harness tenant shows as survival 0 (the harness tenant also as coverage missed), not as an error naming it',
      });
    }
    // Fetched once from tenant full: the policy sets' measures and the report's trace browser read them.
    const fullFaulted = new Map(faulted.map((e) => [e.trace_id, v.wholeTraces.get(e.trace_id)]));
    const policySets = lab.length ? await measurePolicySets(full, {
      tempoUrl: stack.endpoints.tempoUrl, collectorTelemetryUrl: ownEndpoint(stack, 'collectorTelemetryUrl', 'measuring policy sets (POLICIES=...)'),
    }, lab, {
      entries, faults: faultsInScope, fullFaulted, range, fullTenant: TENANTS.full,
      phases: { warmup_start_ms: warmupStart * 1000, warmup_s: spec.warmup_s, fault_s: spec.fault_s },
    }) : undefined;
    const { waterfall: wf, stages, device } = v;
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
      retention_fault_phase: { harness: keptPhaseShare(keptHarness), seed: keptPhaseShare(keptSeed) },
      coverage,
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
      ...(crossCheck ? { sampling_cross_check: crossCheck } : {}),
      ...(policySets ? { policy_sets: policySets } : {}),
      ...(dashboard ? { dashboard } : {}),
      ...(notMeasured.length ? { not_measured: notMeasured } : {}),
      fault_counters: counters.faults.filter((f) => f.enabled || Object.values(f.counters).some((n) => n > 0)).map((f) => ({ name: f.name, counters: f.counters })),
    };
    const reportData = buildReportData({
      scenario: spec.name, short: spec.short, warmup_s: spec.warmup_s, fault_s: spec.fault_s, faults: faultsInScope,
      detection: Object.fromEntries([...v.matched.keys()].map((f) => [f, spec.detection[f]])),
      entries, matched: v.matched, traces: v.wholeTraces,
    });
    return { verdict, reportData };
  } finally {
    waits.abort();
    const t = performance.now();
    await tb?.stop();
    timings.stop_ms = Math.round(performance.now() - t);
  }
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
