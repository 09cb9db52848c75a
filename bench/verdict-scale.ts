/**
 * How does the verdict scale with the number of requests? For each N, a fresh Tempo and
 * Collector (the real tail-sampling config) receive N hand-made requests of the pipeline's
 * shape (verdict-traces.ts) at a bounded rate; once the Collector has sent every span on
 * and Tempo answers for every trace, the verdict code the scenarios run
 * (assertions/verdict/verify.ts) is timed over the generated ledger, with the Tempo
 * queries it made and the peak memory of this process while it ran.
 * `make bench-verdict` (BENCH_VERDICT_N, BENCH_VERDICT_RATE); writes reports/bench/verdict-scale.{json,md}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadScenario } from '../assertions/scenario/config.ts';
import { TempoClient, tempoQueryCounts, type TempoQueryCounts, type TimeRange } from '../assertions/tempo/client.ts';
import { waitForAllTraces, waitForSampling } from '../assertions/verdict/collect.ts';
import { TENANTS, verifyRun, type VerifyResult } from '../assertions/verdict/verify.ts';
import { FAULT_NAMES } from '../faults/registry.ts';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig } from '../stack/config.ts';
import { LocalStackProvider } from '../stack/local.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { pushRequests, waitForExport } from './otlp-load.ts';
import { PORT_OFFSET } from './overhead.ts';
import { DEFAULT_FAULT_FRACTIONS } from './verdict-traces.ts';

/** The pattern whose detection queries, recall mode and decision wait the verdict uses: all four faults at once. */
export const PATTERN = 'mixed';
/** The goal of issue 16: 100k requests verified in at most this long. */
export const GOAL_N = 100_000;
export const GOAL_S = 120;
export const SEED = 16;
/** Requests per export: about what one service's batch processor sends at 50 requests/s. */
export const EXPORT_BATCH = 50;
export const EXPORT_CONCURRENCY = 4;
/** Each wait on the stack (export, Tempo, sampling) may take this long per 1,000 requests, plus a minute. */
export const WAIT_MS_PER_1000 = 3_000;
export const WAIT_BASE_MS = 60_000;
const MEMORY_SAMPLE_MS = 50;
const OUT_DIR = path.join(REPO_ROOT, 'reports/bench');

const sizes = z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of request counts, e.g. 1000,10000')
  .transform((s) => s.split(',').map(Number))
  .refine((xs) => xs.every((x) => x >= 10 && x <= 200_000), 'each size between 10 and 200000');
const envSchema = z.object({
  BENCH_VERDICT_N: sizes.default([1000, 10_000, 100_000]),
  /** Requests per second pushed to the Collector. */
  BENCH_VERDICT_RATE: z.coerce.number().int().min(10).max(10_000).default(1000),
});

export interface ScaleRow {
  n: number;
  spans: number;
  faulted: number;
  push: { wall_s: number; achieved_rps: number; target_rps: number };
  /** From the last push until the Collector had sent every span and Tempo answered for every trace and every decision. */
  ingest_wait_s: number;
  verdict_s: number;
  /** Milliseconds per step of the verdict (verify.ts). */
  steps: Record<string, number>;
  queries: TempoQueryCounts & { total: number };
  memory_mb: { rss_before: number; rss_peak: number; heap_peak: number };
  /** Built to be 1.0: a guard on the bench itself, not a finding about the verdict. */
  constructed: { recall: Record<string, number>; precision: Record<string, number>; as_built: boolean };
  failures: VerifyResult['failures'];
}

const mb = (b: number) => Math.round(b / 104857.6) / 10;

async function oneSize(n: number, rate: number, log: (l: string) => void): Promise<ScaleRow> {
  const spec = loadScenario(PATTERN, { env: {} });
  const cfg = loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(PORT_OFFSET), TAIL_DECISION_WAIT: spec.decision_wait });
  process.env.HARNESS_RUN_DIR = cfg.runDir;
  const waitMs = WAIT_BASE_MS + (n / 1000) * WAIT_MS_PER_1000;
  const startedAt = Date.now();
  const stack = await new LocalStackProvider().start(cfg);
  try {
    log(`[bench-verdict] N=${n}: pushing at ${rate}/s to ${stack.endpoints.otlpHttpUrl}`);
    const push = await pushRequests({
      otlpHttpUrl: stack.endpoints.otlpHttpUrl, n, rate, batch: EXPORT_BATCH, concurrency: EXPORT_CONCURRENCY, gen: { seed: SEED }, log,
    });
    const { entries } = push;
    const t = performance.now();
    const range: TimeRange = { start: Math.floor(entries[0]!.ts / 1000) - 5, end: Math.ceil(entries.at(-1)!.ts / 1000) + 5 };
    const full = new TempoClient(stack.endpoints.tempoUrl, TENANTS.full);
    // The signal that Tempo holds the run, before the clock starts: the Collector's own
    // counter first (cheap), then the verdict's own waits, which then pass at their first poll.
    await waitForExport(stack.endpoints.collectorTelemetryUrl, push.spans, waitMs);
    await waitForAllTraces(full, entries.map((e) => e.trace_id), range, waitMs);
    const settled = await waitForSampling([full.forTenant(TENANTS.seed), full.forTenant(TENANTS.harness)], stack.endpoints.collectorTelemetryUrl,
      { start: Math.floor(startedAt / 1000) - 5, end: range.end }, waitMs);
    if (!settled.settled) log(`[bench-verdict] N=${n}: tail sampling did not settle (${JSON.stringify(settled.counts)}); timing the verdict anyway`);
    const ingestWait = (performance.now() - t) / 1000;
    log(`[bench-verdict] N=${n}: pushed ${push.spans} spans in ${push.wall_s.toFixed(1)} s (${push.achieved_rps.toFixed(0)}/s), Tempo held them ${ingestWait.toFixed(1)} s later; timing the verdict`);

    const q0 = tempoQueryCounts();
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let heapPeak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }, MEMORY_SAMPLE_MS);
    const v0 = performance.now();
    let v: VerifyResult;
    try {
      v = await verifyRun({
        // Hand-made requests have no warm-up: the whole ledger is the fault phase.
        full, entries, range, faultPhase: ledgerSpan(entries), stackStartedAt: startedAt, collectorTelemetryUrl: stack.endpoints.collectorTelemetryUrl,
        faults: [...FAULT_NAMES], detection: spec.detection, recall: spec.recall, minFaulted: spec.min_faulted, waitMs,
      });
    } finally {
      clearInterval(sampler);
    }
    const verdictS = (performance.now() - v0) / 1000;
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
    const q1 = tempoQueryCounts();
    const queries = { search: q1.search - q0.search, trace_by_id: q1.trace_by_id - q0.trace_by_id, metrics: q1.metrics - q0.metrics };
    const recall = Object.fromEntries(v.perFault.map((f) => [f.fault, f.recall]));
    const precision = Object.fromEntries(v.perFault.map((f) => [f.fault, f.precision]));
    const row: ScaleRow = {
      n, spans: push.spans, faulted: entries.filter((e) => e.faults.length > 0).length,
      push: { wall_s: push.wall_s, achieved_rps: push.achieved_rps, target_rps: rate },
      ingest_wait_s: ingestWait, verdict_s: verdictS, steps: v.timings,
      queries: { ...queries, total: queries.search + queries.trace_by_id + queries.metrics },
      memory_mb: { rss_before: mb(rssBefore), rss_peak: mb(rssPeak), heap_peak: mb(heapPeak) },
      constructed: {
        recall, precision,
        as_built: v.perFault.length === FAULT_NAMES.length && v.perFault.every((f) => f.recall === 1 && f.precision === 1 && f.faulted > 0),
      },
      failures: v.failures,
    };
    log(`[bench-verdict] N=${n}: verdict ${verdictS.toFixed(1)} s, ${row.queries.total} Tempo queries (${queries.search} searches, ${queries.trace_by_id} by id), peak RSS ${row.memory_mb.rss_peak} MiB; steps ${JSON.stringify(v.timings)}`);
    return row;
  } finally {
    await stack.stop();
  }
}

const f1 = (x: number) => x.toFixed(1);

/** The ledger's time span as a fault phase (at least a second). */
function ledgerSpan(entries: { ts: number }[]): { start_ms: number; s: number } {
  const [lo, hi] = entries.reduce(([a, b], e) => [Math.min(a, e.ts), Math.max(b, e.ts)], [Infinity, -Infinity]);
  return { start_ms: lo, s: Math.max(1, (hi - lo) / 1000) };
}

export function scaleMarkdown(rows: ScaleRow[], rate: number): string[] {
  const goal = rows.find((r) => r.n === GOAL_N);
  const stepNames = [...new Set(rows.flatMap((r) => Object.keys(r.steps)))];
  return [
    `Pattern \`${PATTERN}\`'s detection queries; faults drawn per request (${Object.entries(DEFAULT_FAULT_FRACTIONS).map(([k, v]) => `${k} ${v * 100}%`).join(', ')}), seed ${SEED}; pushed at ${rate} requests/s in exports of ${EXPORT_BATCH} requests, ${EXPORT_CONCURRENCY} in flight. Verdict: \`verifyRun\` (assertions/verdict/verify.ts) timed after Tempo held every trace; memory is this process's.`, '',
    '| N | spans | push s (traces/s) | ingest wait s | verdict s | verdict ms / 1k requests | Tempo queries (search / by id) | peak RSS MiB (before) | peak heap MiB | as built | failures |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.n} | ${r.spans} | ${f1(r.push.wall_s)} (${r.push.achieved_rps.toFixed(0)}) | ${f1(r.ingest_wait_s)} | ${f1(r.verdict_s)} | ${(r.verdict_s * 1e6 / r.n).toFixed(0)} | ${r.queries.total} (${r.queries.search} / ${r.queries.trace_by_id}) | ${r.memory_mb.rss_peak} (${r.memory_mb.rss_before}) | ${r.memory_mb.heap_peak} | ${r.constructed.as_built ? 'yes' : 'NO'} | ${r.failures.length ? r.failures.map((x) => `${x.path}: ${x.actual}`).join('; ') : 'none'} |`),
    '', '### Where the verdict\'s time goes (s per step)', '',
    `| N | ${stepNames.map((s) => s.replace(/_ms$/, '')).join(' | ')} |`, `|---|${stepNames.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.n} | ${stepNames.map((s) => f1((r.steps[s] ?? 0) / 1000)).join(' | ')} |`),
    '', goal ? `Goal (${GOAL_N} verified in at most ${GOAL_S} s): ${goal.verdict_s <= GOAL_S ? 'met' : 'NOT met'} (${f1(goal.verdict_s)} s).` : `Goal (${GOAL_N} in at most ${GOAL_S} s): not measured in this run.`,
    'The "as built" column checks that recall and precision came out 1.0 as the traces were constructed: true by construction, it guards the bench itself (a generator or push that lost a signal), not the verdict.',
  ];
}

const USAGE = `usage: make bench-verdict (node bench/verdict-scale.ts with the pinned Node)

For each N of BENCH_VERDICT_N (default 1000,10000,100000): a fresh Tempo and Collector,
N generated requests pushed at BENCH_VERDICT_RATE requests/s (default 1000), then the
verdict timed, with its Tempo queries and peak memory. Writes reports/bench/verdict-scale.json
and verdict-scale.md. Exit code 2 when it could not run.`;

if (import.meta.main) {
  parseCli({ name: 'bench-verdict', usage: USAGE, options: {} });
  const env = envSchema.safeParse(process.env);
  if (!env.success) {
    for (const i of env.error.issues) console.error(`bench-verdict: ${i.path.join('.')}=${JSON.stringify(process.env[String(i.path[0])])}: ${i.message}`);
    process.exit(2);
  }
  const { BENCH_VERDICT_N: ns, BENCH_VERDICT_RATE: rate } = env.data;
  try {
    const t0 = performance.now();
    const rows: ScaleRow[] = [];
    for (const n of ns) {
      rows.push(await oneSize(n, rate, console.log));
      // Written after each size, so that a run stopped at 100k keeps what it measured.
      fs.mkdirSync(OUT_DIR, { recursive: true });
      const when = new Date().toISOString();
      fs.writeFileSync(path.join(OUT_DIR, 'verdict-scale.json'), `${JSON.stringify({ when, rate, seed: SEED, pattern: PATTERN, rows }, null, 2)}\n`);
      const md = [`# Verdict scaling (${when}, \`BENCH_VERDICT_N=${ns.join(',')} BENCH_VERDICT_RATE=${rate} make bench-verdict\`, ${f1((performance.now() - t0) / 1000)} s so far)`, '', ...scaleMarkdown(rows, rate), ''].join('\n');
      fs.writeFileSync(path.join(OUT_DIR, 'verdict-scale.md'), md);
      if (n === ns.at(-1)) console.log(md);
    }
  } catch (err) {
    console.error(`bench-verdict: ${(err as Error).stack}`);
    process.exit(2);
  }
}
