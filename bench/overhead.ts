/**
 * What does tracing cost a request, and how sure is that figure? Two identical pipelines,
 * tracing on and off, loaded in turn by one k6 run per rate, one short slot each
 * (bench/blocks.ts interleavedBlocks); every ratio on / off comes with a 95% paired
 * block-bootstrap interval over the rounds (assertions/stats.ts), and the CPU time of every
 * process says where the extra work went.
 * `make bench` runs this after its in-process part; `make bench-overhead` runs it alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AdminClient } from '../faults/admin/client.ts';
import { primePipeline } from '../assertions/scenario/prime.ts';
import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, pairedBlockRatioCI, quantiles, type BlockPair, type RatioInterval } from '../assertions/stats.ts';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig, type StackConfig } from '../stack/config.ts';
import { LocalStackProvider, type LocalRunningStack } from '../stack/local.ts';
import { launchPipeline, pipelinePorts, type RunningPipeline } from '../stack/pipeline.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { interleavedBlocks, k6Block, SIDES, type Block, type Tracing } from './blocks.ts';
import { loadReportAssets } from '../assertions/reports/assets.ts';
import { writeIndex } from '../assertions/reports/index-page.ts';
import { renderBenchPage } from './html.ts';
import { BACKEND_NICE, reniceThreads } from './backend-nice.ts';

/**
 * Rates the 2-core machine serves with the pretrained model even untraced: above about
 * 50/s requests queue on the untraced side too (markSaturated), and a ratio of queueing
 * delays says nothing about tracing. Higher rates can still be asked for with BENCH_RATES.
 */
export const RATES = (process.env.BENCH_RATES ?? '10,25,50').split(',').map(Number);
/**
 * Seconds of one slot (one side's turn). With 4 s blocks, each its own k6 run, the ratio of
 * one round's medians ranged 0.88-1.27 at 50/s on 2026-12-07 (12 rounds, interval +-5.6%):
 * disturbances of seconds fell on one side. 1 s slots put both sides of a round inside one.
 */
export const BLOCK_S = Number(process.env.BENCH_BLOCK_S ?? 1);
/**
 * Requests per side and rate at least. At 10/s the median of ~500 requests per side alone
 * left about +-2.5% (2026-12-07): the interval narrows with the square root of the count.
 */
export const REQUESTS_PER_SIDE = Number(process.env.BENCH_REQUESTS ?? 900);
/** Rounds per rate at least, however high the rate: what the bootstrap resamples. */
export const MIN_ROUNDS = 60;
/** BENCH_ROUNDS, when set, fixes the rounds of every rate instead. */
export const ROUNDS_SET = process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : undefined;

/**
 * What is wrong with the overhead knobs of an environment, one line each naming the
 * variable; empty when nothing is. Checked before anything starts: a NaN slot or rate
 * would otherwise run minutes of load that measure nothing.
 */
export function knobErrors(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const positive = (name: string, integer: boolean, value = env[name]) => {
    if (value === undefined || value === '') return;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) out.push(`${name}=${value}: ${integer ? 'a positive integer' : 'a positive number'}`);
  };
  for (const rate of (env.BENCH_RATES ?? '').split(',').filter((x) => x !== '')) positive('BENCH_RATES', false, rate);
  positive('BENCH_BLOCK_S', false);
  positive('BENCH_REQUESTS', true);
  positive('BENCH_ROUNDS', true);
  return out;
}

/** Rounds of one slot per side at a rate: enough for REQUESTS_PER_SIDE, and at least MIN_ROUNDS. */
export function roundsFor(rate: number, blockS = BLOCK_S, requests = REQUESTS_PER_SIDE, set = ROUNDS_SET): number {
  return set ?? Math.max(MIN_ROUNDS, Math.ceil(requests / (rate * blockS)));
}
/** A rate is saturated when the untraced side's p50 is more than this times its p50 at the lowest rate (requests queue). */
export const SATURATION_P50_FACTOR = 2;
/**
 * Extra settings of each pipeline, `KEY=VALUE` separated by spaces, e.g. a span-export
 * setting to try. BENCH_OFF_ENV='HARNESS_TRACING=on ...' compares two tracing settings side
 * by side in the same run (the report then says so: "off" is the second setting).
 */
export const SIDE_ENV: Record<Tracing, Record<string, string>> = { on: settings(process.env.BENCH_ON_ENV), off: settings(process.env.BENCH_OFF_ENV) };
export const WARMUP_RATE = 50;
export const WARMUP_S = 4;
/** The bench's ports: its defaults plus this, so that it runs beside the tests' stack. */
export const PORT_OFFSET = 10_000;
/** The untraced pipeline's ports sit this far above the traced one's. */
export const OFF_SIDE_SHIFT = 100;
/** The goal: p50 ratio at most P50_GOAL with the interval's upper end at most P50_HIGH_GOAL, throughput ratio at least THROUGHPUT_GOAL. */
export const P50_GOAL = 1.02;
export const P50_HIGH_GOAL = 1.03;
export const THROUGHPUT_GOAL = 0.99;
export const BENCH_GOALS = { p50: P50_GOAL, throughput: THROUGHPUT_GOAL } as const;
const OUT_DIR = path.join(REPO_ROOT, 'reports/bench');

export interface SideLoad { achieved_rps: number; p50_ms: number; p95_ms: number; p99_ms: number; requests: number; failed: number; dropped: number }

export interface OverheadRow {
  rate: number;
  /** Rounds measured at this rate (absent in reports older than per-rate rounds: the result's `rounds`). */
  rounds?: number;
  on: SideLoad;
  off: SideLoad;
  p50_ratio: RatioInterval;
  p99_ratio: RatioInterval;
  throughput_ratio: RatioInterval;
  /** p50 ratio <= P50_GOAL, its upper end <= P50_HIGH_GOAL, throughput ratio >= THROUGHPUT_GOAL. */
  goal_met: boolean;
  /** The pipeline could not keep this rate even untraced (markSaturated): the goal is not judged. */
  saturated: boolean;
  /** CPU time per request of each process while its side was loaded, ms (bench/cpu.ts labels, the side dropped). */
  cpu_ms_per_request: Record<Tracing, Record<string, number>>;
}

export interface TwoPipelines {
  on: RunningPipeline;
  off: RunningPipeline;
  admins: Record<Tracing, AdminClient>;
  token: string;
  stop(): Promise<void>;
}

/** The traced and the untraced pipeline, primed and warm; env adds settings per side (e.g. NODE_OPTIONS for a CPU profile). */
export async function launchTwoPipelines(stack: LocalRunningStack, cfg: StackConfig, log: (l: string) => void,
  env: Partial<Record<Tracing, Record<string, string>>> = {}): Promise<TwoPipelines> {
  const token = randomBytes(18).toString('hex');
  const started: Partial<Record<Tracing, RunningPipeline>> = {};
  const backendPids = stack.processes.flatMap((p) => (p.pid ? [p.pid] : []));
  if (BACKEND_NICE > 0) reniceThreads(backendPids, BACKEND_NICE);
  const stop = async () => {
    await started.off?.stop();
    await started.on?.stop();
  };
  try {
    for (const tracing of SIDES) {
      started[tracing] = await launchPipeline({
        env: {
          ...pipelinePorts(PORT_OFFSET + (tracing === 'on' ? 0 : OFF_SIDE_SHIFT)), HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl,
          HARNESS_TRACING: tracing, BENCH_SIDE: tracing, FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: token, ...env[tracing],
        },
        logDir: path.join(cfg.runDir, 'logs', `tracing-${tracing}`),
      });
      await primePipeline(started[tracing]!.gatewayUrl, 100, 'intent-encoder');
    }
    // JIT, caches and worker threads warm on both sides before anything is measured.
    for (const tracing of SIDES) {
      log(`[bench] warm-up, tracing ${tracing}`);
      await k6Block(started[tracing]!.gatewayUrl, WARMUP_RATE, WARMUP_S, cfg.runDir, `${tracing}-warmup`);
    }
    if (BACKEND_NICE > 0) log(`[bench] Tempo, the Collector and Prometheus at nice ${BACKEND_NICE} (${reniceThreads(backendPids, BACKEND_NICE)} threads)`);
  } catch (err) {
    await stop();
    throw err;
  }
  const on = started.on!;
  const off = started.off!;
  return { on, off, token, admins: { on: new AdminClient(on.adminUrl, token), off: new AdminClient(off.adminUrl, token) }, stop };
}

/** The rounds of one rate as pairs for the bootstrap: a = tracing on, b = off. */
export function pairsOf(blocks: readonly Block[], value: (b: Block) => number[]): BlockPair[] {
  const rounds = [...new Set(blocks.map((b) => b.round))].sort((x, y) => x - y);
  return rounds.map((r) => {
    const of = (t: Tracing) => blocks.filter((b) => b.round === r && b.tracing === t).flatMap(value);
    return { a: of('on'), b: of('off') };
  });
}

/** `A=1 B=x` as {A: '1', B: 'x'}; an entry without = is a mistake worth stopping for. */
export function settings(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (text ?? '').split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i < 1) throw new Error(`'${kv}' is not KEY=VALUE (in BENCH_ON_ENV or BENCH_OFF_ENV)`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Summary, intervals and CPU per request of one rate's blocks. */
export function overheadRow(rate: number, blocks: readonly Block[]): OverheadRow {
  const side = (t: Tracing): SideLoad => {
    const own = blocks.filter((b) => b.tracing === t);
    const all = own.flatMap((b) => b.latencies_ms);
    const [p50, p95, p99] = quantiles(all, [0.5, 0.95, 0.99]) as [number, number, number];
    return {
      achieved_rps: mean(own.map((b) => b.achieved_rps)), p50_ms: p50, p95_ms: p95, p99_ms: p99, requests: all.length,
      failed: own.reduce((s, b) => s + b.failed, 0), dropped: own.reduce((s, b) => s + b.dropped, 0),
    };
  };
  const latencies = pairsOf(blocks, (b) => b.latencies_ms);
  // The same seed for every ratio: each resample draws the same rounds for all three.
  const opts = { seed: BOOTSTRAP_SEED, resamples: BOOTSTRAP_RESAMPLES };
  const p50 = pairedBlockRatioCI(latencies, 0.5, opts);
  const p99 = pairedBlockRatioCI(latencies, 0.99, opts);
  const throughput = pairedBlockRatioCI(pairsOf(blocks, (b) => [b.achieved_rps]), mean, opts);
  const cpu = (t: Tracing): Record<string, number> => {
    const own = blocks.filter((b) => b.tracing === t);
    const requests = own.reduce((s, b) => s + b.latencies_ms.length, 0);
    const total = new Map<string, number>();
    for (const b of own) {
      for (const [label, ms] of Object.entries(b.cpu_ms)) {
        // The load itself: one k6 run drives both sides when they are interleaved.
        if (label === K6_LABEL) continue;
        // "on gateway" while the on side is loaded is the loaded gateway; "off gateway" then is the idle pipeline.
        const name = label.startsWith(`${t} `) ? label.slice(t.length + 1) : label.startsWith('on ') || label.startsWith('off ') ? 'the other pipeline (idle)' : label;
        total.set(name, (total.get(name) ?? 0) + ms);
      }
    }
    return Object.fromEntries([...total].sort().map(([k, v]) => [k, v / requests]));
  };
  return {
    rate, on: side('on'), off: side('off'), p50_ratio: p50, p99_ratio: p99, throughput_ratio: throughput,
    goal_met: p50.ratio <= P50_GOAL && p50.high <= P50_HIGH_GOAL && throughput.ratio >= THROUGHPUT_GOAL,
    saturated: false,
    cpu_ms_per_request: { on: cpu('on'), off: cpu('off') },
  };
}

/**
 * Marks the rates the pipeline could not keep even untraced: k6 dropped arrivals or fell 1%
 * short of the rate on either side, or the untraced p50 is more than SATURATION_P50_FACTOR
 * times the untraced p50 at the lowest rate measured (requests wait in queues).
 */
export function markSaturated(rows: readonly OverheadRow[]): OverheadRow[] {
  const lowest = [...rows].sort((a, b) => a.rate - b.rate)[0];
  return rows.map((x) => ({
    ...x,
    saturated: x.on.dropped + x.off.dropped > 0 || SIDES.some((t) => x[t].achieved_rps < 0.99 * x.rate)
      || (lowest !== undefined && x.off.p50_ms > SATURATION_P50_FACTOR * lowest.off.p50_ms),
  }));
}

export interface OverheadResult {
  rates: number[];
  /** BENCH_ROUNDS as set, or 0 where each rate's rounds came from REQUESTS_PER_SIDE (see each row). */
  rounds: number;
  /** Requests per side and rate at least (BENCH_REQUESTS); absent in reports of the 4 s block bench. */
  requests_per_side?: number;
  /** 'interleaved': one k6 run per rate, slots of block_s; absent: one k6 run per block (reports before 2026-12-07). */
  method?: 'interleaved';
  block_s: number;
  bootstrap: { resamples: number; seed: number; level: number };
  /** Extra settings each pipeline ran with (BENCH_ON_ENV, BENCH_OFF_ENV). */
  side_env: Record<Tracing, Record<string, string>>;
  /** The backends' nice value (BENCH_BACKEND_NICE; 0: equal to the pipeline's). Absent in reports older than it: 0. */
  backend_nice?: number;
  rows: OverheadRow[];
  wall_s: number;
}

/** Every rate in turn on two running pipelines; blocks go to onBlocks as they are measured (for the raw-data file). */
export async function measureOverhead(p: TwoPipelines, runDir: string, log: (l: string) => void,
  onBlocks: (rate: number, blocks: Block[]) => void = () => {}): Promise<OverheadResult> {
  const t0 = performance.now();
  const rows: OverheadRow[] = [];
  for (const rate of RATES) {
    const rounds = roundsFor(rate);
    const blocks = await interleavedBlocks({ on: { gatewayUrl: p.on.gatewayUrl, admin: p.admins.on }, off: { gatewayUrl: p.off.gatewayUrl, admin: p.admins.off } },
      { rate, rounds, blockS: BLOCK_S, runDir, log });
    onBlocks(rate, blocks);
    const row = { ...overheadRow(rate, blocks), rounds };
    log(`[bench] ${rate}/s: p50 ratio ${ci(row.p50_ratio)}, p99 ratio ${ci(row.p99_ratio)}, throughput ratio ${ci(row.throughput_ratio)}`);
    rows.push(row);
  }
  return {
    rates: RATES, rounds: ROUNDS_SET ?? 0, requests_per_side: REQUESTS_PER_SIDE, method: 'interleaved', block_s: BLOCK_S, bootstrap: { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED, level: 0.95 }, side_env: SIDE_ENV, backend_nice: BACKEND_NICE,
    rows: markSaturated(rows), wall_s: (performance.now() - t0) / 1000,
  };
}

const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
/** "1.012 [1.004, 1.021]". */
export const ci = (r: RatioInterval, d = 3) => `${f(r.ratio, d)} [${f(r.low, d)}, ${f(r.high, d)}]`;

/** The command line that reproduces a result: the knobs as they were. */
export function knobs(r: Pick<OverheadResult, 'rates' | 'rounds' | 'block_s' | 'side_env' | 'backend_nice' | 'requests_per_side'>): string {
  const rounds = r.requests_per_side !== undefined && !r.rounds ? `BENCH_REQUESTS=${r.requests_per_side}` : `BENCH_ROUNDS=${r.rounds}`;
  return `${knobsEnv(r.side_env)}${r.backend_nice ? `BENCH_BACKEND_NICE=${r.backend_nice} ` : ''}BENCH_RATES=${r.rates.join(',')} ${rounds} BENCH_BLOCK_S=${r.block_s}`;
}

/** How the rounds were run, for a report's heading. */
export function methodText(r: Pick<OverheadResult, 'rounds' | 'block_s' | 'method' | 'rows'>): string {
  const rounds = [...new Set(r.rows.map((x) => x.rounds ?? r.rounds))].join(' / ');
  return r.method === 'interleaved'
    ? `one k6 run per rate, the two pipelines loaded in turn, ${rounds} rounds of one ${r.block_s} s slot each side per rate`
    : `${rounds} rounds of one ${r.block_s} s block each side per rate, one k6 run per block`;
}

/** BENCH_ON_ENV / BENCH_OFF_ENV as set, each followed by a space; empty when neither is. */
export function knobsEnv(sideEnv: Record<Tracing, Record<string, string>>): string {
  return SIDES.filter((t) => Object.keys(sideEnv[t]).length > 0)
    .map((t) => `BENCH_${t.toUpperCase()}_ENV='${Object.entries(sideEnv[t]).map(([k, v]) => `${k}=${v}`).join(' ')}' `).join('');
}

const PIPELINE_LABELS = ['gateway', 'feature-extractor', 'inference', 'post-processor'];
/** bench/cpu.ts's label of the load generator's process. */
const K6_LABEL = 'k6';

/** The report's sections for the tracing overhead. */
export function overheadMarkdown(r: OverheadResult): string[] {
  const labels = [...new Set(r.rows.flatMap((x) => [...Object.keys(x.cpu_ms_per_request.on), ...Object.keys(x.cpu_ms_per_request.off)]))]
    .sort((a, b) => (PIPELINE_LABELS.includes(b) ? 1 : 0) - (PIPELINE_LABELS.includes(a) ? 1 : 0) || a.localeCompare(b));
  const total = (m: Record<string, number>) => Object.values(m).reduce((s, x) => s + x, 0);
  return [
    `## Tracing on / off (same run, ${methodText(r)})`, '',
    `Ratios are on / off of the pooled gateway latencies (the ledger) and of k6's achieved rate, each with a 95% paired block-bootstrap interval (rounds resampled with replacement, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}). Goal: p50 ratio <= ${P50_GOAL} with the upper end <= ${P50_HIGH_GOAL}, throughput ratio >= ${THROUGHPUT_GOAL}; a rate is saturated (not judged) where even the untraced side could not keep it (dropped arrivals, achieved under 99%, or p50 over ${SATURATION_P50_FACTOR}x the lowest rate's). Knobs: \`${knobs(r)}\`; ${f(r.wall_s, 0)} s.`, '',
    ...(Object.keys(r.side_env.on).length + Object.keys(r.side_env.off).length > 0
      ? [`Settings: on ${JSON.stringify(r.side_env.on)}, off ${JSON.stringify(r.side_env.off)} (where off sets HARNESS_TRACING=on, "off" is a second tracing setting).`, ''] : []),
    '| rate/s | rounds | p50 ms on / off | p50 ratio [95% CI] | p99 ratio [95% CI] | throughput ratio [95% CI] | requests on / off | goal |', '|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.rate} | ${x.rounds ?? r.rounds} | ${f(x.on.p50_ms, 2)} / ${f(x.off.p50_ms, 2)} | ${ci(x.p50_ratio)} | ${ci(x.p99_ratio)} | ${ci(x.throughput_ratio)} | ${x.on.requests} / ${x.off.requests} | ${x.saturated ? 'saturated (not judged)' : x.goal_met ? 'met' : 'NOT met'} |`),
    '', '### Where the extra CPU goes, by process (CPU ms per request, on / off, from /proc during the blocks)', '',
    'Each process\'s user + system time while its side was loaded, over the requests of those blocks (k6 itself left out). The difference on - off is what tracing costs in CPU, wherever it is spent: in the services (spans, export), in the Collector and in Tempo, which share the same cores.', '',
    ...(r.method === 'interleaved' ? ['With slots as short as these, work done after a request (its spans exported up to 500 ms later, the Collector\'s 200 ms batches, Tempo\'s writes) often lands in the next slot, the other side\'s: the services\' own request work is where it belongs, but the Collector\'s and Tempo\'s rows, and the export part of the services\', are shared between the sides. The same spill puts part of tracing\'s shipping cost into the untraced side\'s latency, so the ratios above count making the spans in full and shipping them in part.', ''] : []),
    `| process | ${r.rows.map((x) => `${x.rate}/s on / off`).join(' | ')} |`, `|---|${r.rows.map(() => '---').join('|')}|`,
    ...labels.map((l) => `| ${l} | ${r.rows.map((x) => `${f(x.cpu_ms_per_request.on[l], 2)} / ${f(x.cpu_ms_per_request.off[l], 2)}`).join(' | ')} |`),
    `| **all** | ${r.rows.map((x) => `${f(total(x.cpu_ms_per_request.on), 2)} / ${f(total(x.cpu_ms_per_request.off), 2)}`).join(' | ')} |`,
  ];
}

/** Per-block raw data, so that every interval can be recomputed from the file. */
export function blocksFile(all: Record<number, Block[]>): string {
  return `${JSON.stringify(Object.entries(all).map(([rate, blocks]) => ({ rate: Number(rate), blocks })))}\n`;
}

const USAGE = `usage: make bench-overhead (node bench/overhead.ts with the pinned Node)

The tracing on/off part of make bench alone: per rate, one k6 run that loads the two
pipelines in turn, one BENCH_BLOCK_S-second slot each per round, with enough rounds for
BENCH_REQUESTS requests per side (at least ${MIN_ROUNDS} rounds); ratios with 95% paired
block-bootstrap intervals over the rounds.
Knobs (environment): BENCH_RATES (now ${RATES.join(',')}), BENCH_REQUESTS (now ${REQUESTS_PER_SIDE}),
BENCH_BLOCK_S (now ${BLOCK_S}), BENCH_ROUNDS (rounds per rate instead, now ${ROUNDS_SET ?? 'unset'}),
BENCH_ON_ENV and BENCH_OFF_ENV (extra KEY=VALUE settings per pipeline, e.g. to compare two
span-export settings: BENCH_OFF_ENV='HARNESS_TRACING=on HARNESS_SPAN_EXPORT_DELAY_MS=1000'),
BENCH_BACKEND_NICE (0-19, now ${BACKEND_NICE}: Tempo, the Collector and Prometheus at that CPU
priority, standing in for backends on machines of their own).
Writes reports/bench/overhead.json, overhead.md and overhead-blocks.json. Exit code 2 when it failed.`;

if (import.meta.main) {
  parseCli({ name: 'bench-overhead', usage: USAGE, options: {} });
  const wrong = knobErrors();
  if (wrong.length > 0) {
    console.error(`bench-overhead: ${wrong.join('; ')}`);
    process.exit(2);
  }
  try {
    const cfg = loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(PORT_OFFSET) });
    // Every process of the run inherits this, which is how the CPU of each is found.
    process.env.HARNESS_RUN_DIR = cfg.runDir;
    const stack = await new LocalStackProvider().start(cfg);
    const raw: Record<number, Block[]> = {};
    let result: OverheadResult;
    try {
      const p = await launchTwoPipelines(stack, cfg, console.log, SIDE_ENV);
      try {
        result = await measureOverhead(p, cfg.runDir, console.log, (rate, b) => (raw[rate] = b));
      } finally {
        await p.stop();
      }
    } finally {
      await stack.stop();
    }
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'overhead.json'), `${JSON.stringify({ when: new Date().toISOString(), ...result }, null, 2)}\n`);
    fs.writeFileSync(path.join(OUT_DIR, 'overhead-blocks.json'), blocksFile(raw));
    const md = [`# Tracing overhead (${new Date().toISOString()}, \`${knobs(result)} make bench-overhead\`)`, '', ...overheadMarkdown(result), ''].join('\n');
    fs.writeFileSync(path.join(OUT_DIR, 'overhead.md'), md);
    fs.writeFileSync(path.join(OUT_DIR, 'overhead.html'), renderBenchPage('Tracing overhead', { when: new Date().toISOString(), tracing_overhead: result, goals: BENCH_GOALS }, loadReportAssets()));
    writeIndex(path.dirname(OUT_DIR));
    console.log(md);
  } catch (err) {
    console.error(`bench-overhead: ${(err as Error).stack}`);
    process.exit(2);
  }
}
