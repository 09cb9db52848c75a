/**
 * make soak: does the stack hold up over a long run? A constant load with the four faults
 * switched on and off by a seeded schedule (bench/soak-schedule.ts), then: no trace lost in
 * tenant full, the ledger equal to what Tempo holds, every process's memory flat over the
 * steady part, no rising latency in unfaulted requests (bench/soak-checks.ts). Writes
 * reports/soak/soak.{json,md}; exit 0 every check held, 1 one did not, 2 the run could not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../assertions/scenario/errors.ts';
import { loadScenario } from '../assertions/scenario/config.ts';
import { assertK6Ran, k6Target, LOAD_SCRIPT, withTestbed, type Testbed } from '../assertions/scenario/testbed.ts';
import { runK6Script } from '../assertions/scenario/k6.ts';
import { spansOf, TempoClient } from '../assertions/tempo/client.ts';
import { lackingSpans } from '../assertions/verdict/collect.ts';
import { spanDurationMs, spreadSample, stageKey } from '../assertions/verdict/stages.ts';
import { loadPresets, variantKnobs } from '../faults/presets.ts';
import { parseCli } from '../stack/cli-args.ts';
import { ConfigError, loadStackConfig } from '../stack/config.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { EVERY_REQUEST_SPANS, Spans } from '../target-pipeline/semconv.ts';
import { ledgerVsTempo, latencyTrend, rssGrowth, stageTrends, unfaultedEntries, type LatencyTrend, type LedgerVsTempo, type RssGrowth, type RssSample, type StageTrend } from './soak-checks.ts';
import { loadSoakConfig, SOAK_FILE, type SoakConfig } from './soak-config.ts';
import { faultSchedule, type FaultWindow } from './soak-schedule.ts';
import { rssSnapshot } from './memory.ts';

const USAGE = `usage: make soak   (node bench/soak.ts with the pinned Node)

A long run at a constant rate with the faults switched on and off by a seeded schedule,
then its checks: 0 traces lost in tenant full, the ledger equal to Tempo, every process's
RSS growth over the steady part at most the limit, no rising latency trend in unfaulted
requests. Settings: ${path.relative(REPO_ROOT, SOAK_FILE)}; SOAK_MINUTES, SOAK_RATE and SOAK_SEED override
(e.g. SOAK_MINUTES=4 for a short check of the soak itself). Not part of make test.
Writes reports/soak/soak.json and soak.md.

exit codes: 0 every check held, 1 one did not, 2 the run could not be made`;

/** The root span of every request: the traces Tempo holds for the run, listed by search. */
const ROOT_QUERY = `{ name = "${Spans.pipelineRequest}" }`;
/** A trace with fewer spans than every request makes lost some on the way. */
const INCOMPLETE_QUERY = `{ } | count() < ${EVERY_REQUEST_SPANS.length}`;
/** Search pages this large keep the number of searches over a long run small (the client splits a full page). */
const SEARCH_LIMIT = 5_000;
/** How long Tempo may take, after the load, to return every trace of the run by search. */
const DELIVERY_TIMEOUT_MS = 180_000;
const DELIVERY_POLL_MS = 5_000;
const OUT_DIR = path.join(REPO_ROOT, 'reports/soak');
/** Unfaulted traces fetched per minute to say which stage a latency trend lives in (20 minutes: 1,200 fetches). */
const STAGE_SAMPLE_PER_MINUTE = 60;

interface IncompleteTrace { trace_id: string; status: number; faults: string[]; lacks: string[] }

interface AppliedWindow extends FaultWindow { on_ms: number; off_ms: number }

interface SoakResult {
  config: SoakConfig;
  started_at: string;
  duration_s: number;
  requests: number;
  faulted: Record<string, number>;
  windows: AppliedWindow[];
  k6: { http_reqs?: number; dropped_iterations?: number; p50_ms?: number; p95_ms?: number };
  traces: LedgerVsTempo & { incomplete: IncompleteTrace[]; not_requests: { trace_id: string; spans: string[] }[]; delivered_after_ms: number };
  rss: RssGrowth[];
  rss_samples: RssSample[];
  trend: LatencyTrend;
  /** Each stage's per-minute median over the steady part, steepest first (reported, not judged). */
  stages: StageTrend[];
  checks: { name: string; holds: boolean; detail: string }[];
}

/** Applies each window's fault at its time and resets it at its end; returns when the last is off. */
function runSchedule(tb: Testbed, windows: FaultWindow[], t0: number, log: (l: string) => void): { done: Promise<AppliedWindow[]>; cancel(): void } {
  const presets = loadPresets();
  const applied: AppliedWindow[] = [];
  const timers: NodeJS.Timeout[] = [];
  const at = (s: number) => new Promise<void>((res) => timers.push(setTimeout(res, Math.max(0, t0 + s * 1000 - Date.now()))));
  const done = (async () => {
    for (const w of windows) {
      await at(w.on_s);
      await tb.admin.enable(w.fault, variantKnobs(presets, w.fault, w.variant)!);
      const on_ms = Date.now();
      log(`[soak] ${Math.round((on_ms - t0) / 1000)} s: ${w.fault} ${w.variant} on`);
      await at(w.off_s);
      await tb.admin.reset();
      applied.push({ ...w, on_ms, off_ms: Date.now() });
    }
    return applied;
  })();
  return { done, cancel: () => timers.forEach(clearTimeout) };
}

async function soak(tb: Testbed, c: SoakConfig, log: (l: string) => void): Promise<SoakResult> {
  // The priming requests: their traces share the load's first second, so Tempo's listing of the run holds them too.
  const primed = await tb.admin.ledgerAll();
  const head = primed.at(-1)?.seq ?? 0;
  const before = new Set(primed.map((e) => e.trace_id));
  const windows = faultSchedule(c);
  const samples: RssSample[] = [];
  const t0 = Date.now();
  const sample = () => samples.push({ t_s: (Date.now() - t0) / 1000, mb: rssSnapshot(tb.stack.config.runDir) });
  sample();
  const sampler = setInterval(sample, c.checks.rss_sample_s * 1000);
  log(`[soak] ${c.minutes} min at ${c.rate}/s, ${windows.length} fault windows of ${c.hold_s} s every ${c.interval_s} s (seed ${c.seed})`);
  const schedule = runSchedule(tb, windows, t0, log);
  let applied: AppliedWindow[];
  let k6;
  try {
    const k6Run = runK6Script(LOAD_SCRIPT, { RATE: String(c.rate), DURATION_S: String(c.minutes * 60) }, k6Target(tb), 'soak-k6');
    [applied, k6] = await Promise.all([schedule.done, k6Run]);
  } finally {
    schedule.cancel();
    clearInterval(sampler);
    sample();
    await tb.admin.reset();
  }
  assertK6Ran(k6);
  const loadEnd = Date.now();
  const entries = await tb.admin.ledgerAll(head);
  log(`[soak] load done: ${entries.length} requests; waiting for Tempo to hold every trace (search, tenant full)`);

  const full = new TempoClient(tb.stack.endpoints.tempoUrl, 'full');
  const range = { start: t0 / 1000 - 5, end: Date.now() / 1000 + 5 };
  const ids = entries.map((e) => e.trace_id);
  // Each poll searches the whole run: every few seconds, not the wait helper's backoff.
  let found = new Set<string>();
  for (const deadline = Date.now() + DELIVERY_TIMEOUT_MS; ;) {
    found = new Set((await full.searchAll(ROOT_QUERY, { ...range, end: Date.now() / 1000 }, SEARCH_LIMIT)).keys());
    if (ids.every((id) => found.has(id)) || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, DELIVERY_POLL_MS));
  }
  const delivered_after_ms = Date.now() - loadEnd;
  const byId = new Map(entries.map((e) => [e.trace_id, e]));
  const incomplete: IncompleteTrace[] = [];
  const notRequests: { trace_id: string; spans: string[] }[] = [];
  for (const id of (await full.searchAll(INCOMPLETE_QUERY, { ...range, end: Date.now() / 1000 }, SEARCH_LIMIT)).keys()) {
    const t = await full.traceById(id);
    const e = byId.get(id);
    const names = t ? spansOf(t).map((s) => s.name) : [];
    // Only a request's trace must be whole; a trace no request made (a fault's own work) is listed, not judged.
    if (e) incomplete.push({ trace_id: id, status: e.status, faults: e.faults, lacks: lackingSpans(names, EVERY_REQUEST_SPANS) });
    else notRequests.push({ trace_id: id, spans: [...new Set(names)] });
  }
  const traces = { ...ledgerVsTempo(ids, new Set([...found].filter((id) => !before.has(id)))), incomplete, not_requests: notRequests, delivered_after_ms };

  const steadyS = c.checks.steady_from_minute * 60;
  const rss = rssGrowth(samples, steadyS, c.minutes * 60, c.checks.rss_max_growth);
  const unfaulted = unfaultedEntries(entries, applied.map((w) => ({ on_ms: w.on_ms, off_ms: w.off_ms })), c.checks.settle_s * 1000);
  const trend = latencyTrend(unfaulted, t0, c.checks.steady_from_minute, c.checks.trend_max_rise);
  const stages = stageTrends(await stageSamples(full, unfaulted, t0), c.checks.steady_from_minute);

  const faulted: Record<string, number> = {};
  for (const e of entries) for (const f of e.faults) faulted[f] = (faulted[f] ?? 0) + 1;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const checks = [
    { name: 'no trace lost in tenant full', holds: traces.missing.length === 0, detail: `${traces.missing.length} of ${traces.ledger} ledger traces not in Tempo${traces.missing.length ? ` (e.g. ${traces.missing.slice(0, 3).join(', ')})` : ''}` },
    { name: 'ledger equal to Tempo', holds: traces.missing.length === 0 && traces.unknown.length === 0, detail: `ledger ${traces.ledger}, Tempo ${traces.tempo} (${traces.unknown.length} in Tempo only)` },
    { name: 'every trace whole', holds: incomplete.length === 0, detail: `${incomplete.length} ledger traces with fewer than ${EVERY_REQUEST_SPANS.length} spans${incomplete.length ? ` (e.g. ${incomplete.slice(0, 3).map((t) => `${t.trace_id} status ${t.status} lacks ${t.lacks.join(', ') || 'nothing named'}`).join('; ')})` : ''}` },
    ...rss.map((r) => ({ name: `RSS of ${r.process} grows at most ${pct(c.checks.rss_max_growth)}`, holds: r.pass, detail: `${r.start_mb.toFixed(0)} -> ${r.end_mb.toFixed(0)} MiB (${pct(r.growth)}) from minute ${c.checks.steady_from_minute} to the end` })),
    { name: `no rising latency trend in unfaulted requests (rise at most ${pct(c.checks.trend_max_rise)})`, holds: trend.pass, detail: `rise ${pct(trend.rise.estimate)} [${pct(trend.rise.low)}, ${pct(trend.rise.high)}] over ${trend.minutes.length} minutes, slope ${trend.slope_ms_per_min.toFixed(3)} ms/min` },
  ];
  const s = k6.summary?.metrics;
  return {
    config: c, started_at: new Date(t0).toISOString(), duration_s: Math.round((loadEnd - t0) / 1000), requests: entries.length, faulted, windows: applied,
    k6: { http_reqs: s?.http_reqs?.count, dropped_iterations: s?.dropped_iterations?.count ?? 0, p50_ms: s?.http_req_duration?.med, p95_ms: s?.http_req_duration?.['p(95)'] },
    traces, rss, rss_samples: samples, trend, stages, checks,
  };
}

/** Span durations by stage (the verdict's rows, stageKey) of up to STAGE_SAMPLE_PER_MINUTE unfaulted traces a minute, spread over the minute. */
async function stageSamples(full: TempoClient, unfaulted: readonly { trace_id: string; ts: number }[], t0: number) {
  const byMinute = new Map<number, string[]>();
  for (const e of unfaulted) {
    const m = Math.floor((e.ts - t0) / 60_000);
    let ids = byMinute.get(m);
    if (!ids) byMinute.set(m, (ids = []));
    ids.push(e.trace_id);
  }
  const picked = [...byMinute].map(([minute, ids]) => ({ minute, ids: spreadSample(ids, STAGE_SAMPLE_PER_MINUTE) }));
  const traces = await full.tracesById(picked.flatMap((p) => p.ids));
  return picked.map(({ minute, ids }) => {
    const durations: Record<string, number[]> = {};
    for (const id of ids) {
      const t = traces.get(id);
      for (const sp of t ? spansOf(t) : []) (durations[stageKey(sp)] ??= []).push(spanDurationMs(sp));
    }
    return { minute, durations };
  });
}

function markdown(r: SoakResult): string {
  const ok = (b: boolean) => (b ? 'holds' : '**FAILS**');
  return [
    `# Soak: ${r.config.minutes} min at ${r.config.rate}/s (\`make soak\`, ${r.started_at})`,
    '',
    `${r.requests} requests; faulted per fault: ${Object.entries(r.faulted).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; ${r.windows.length} fault windows of ${r.config.hold_s} s every ${r.config.interval_s} s, seed ${r.config.seed}. k6: p50 ${r.k6.p50_ms?.toFixed(1)} ms, p95 ${r.k6.p95_ms?.toFixed(1)} ms, ${r.k6.dropped_iterations} dropped. Tempo held every trace ${(r.traces.delivered_after_ms / 1000).toFixed(1)} s after the load.${r.traces.not_requests.length ? ` Traces no request made (not judged): ${r.traces.not_requests.length}, e.g. spans ${r.traces.not_requests[0]!.spans.join(', ')}.` : ''}`,
    '',
    '| check | result | measured |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${c.name} | ${ok(c.holds)} | ${c.detail} |`),
    '',
    '| minute | unfaulted median ms | n |',
    '|---|---|---|',
    ...r.trend.minutes.map((m) => `| ${m.minute} | ${m.median_ms.toFixed(1)} | ${m.n} |`),
    '',
    `Where the trend lives: each stage's median duration in unfaulted requests (up to ${STAGE_SAMPLE_PER_MINUTE} traces a minute from tenant full), steepest first; reported, not judged.`,
    '',
    '| stage | first minute ms | last minute ms | slope ms/min | spans |',
    '|---|---|---|---|---|',
    ...r.stages.map((st) => `| ${st.stage} | ${st.first_ms.toFixed(2)} | ${st.last_ms.toFixed(2)} | ${st.slope_ms_per_min.toFixed(3)} | ${st.n} |`),
    '',
  ].join('\n');
}

parseCli({ name: 'soak', usage: USAGE, options: {} });
try {
  const c = loadSoakConfig();
  const stackConfig = loadStackConfig(process.env);
  // Every process of the run inherits it, which is how the RSS sampler finds them.
  process.env.HARNESS_RUN_DIR = stackConfig.runDir;
  const base = loadScenario('baseline');
  const r = await withTestbed({ stackConfig, entities: base.entities }, (tb) => soak(tb, c, console.log));
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'soak.json'), `${JSON.stringify(r, null, 2)}\n`);
  const md = markdown(r);
  fs.writeFileSync(path.join(OUT_DIR, 'soak.md'), md);
  console.log(`\n${md}\nreports: ${path.relative(REPO_ROOT, OUT_DIR)}/{soak.json,soak.md}`);
  process.exit(r.checks.every((k) => k.holds) ? 0 : 1);
} catch (err) {
  const e = err as Error;
  const known = e instanceof HarnessError || e instanceof ConfigError;
  console.error(`\nsoak: could not run: ${known ? e.message : e.stack}`);
  process.exit(2);
}
