/**
 * make bench: what does the pipeline cost, stage by stage, and what does tracing cost?
 * Everything compared is measured side by side in the same run (this machine is shared
 * and noisy): tracing on and off are two identical pipelines loaded in alternation.
 * Writes reports/bench/bench.json and bench.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AdminClient } from '../faults/admin/client.ts';
import { primePipeline } from '../assertions/scenario/prime.ts';
import { median, quantiles } from '../assertions/stats.ts';
import { spansOf, TempoClient } from '../assertions/tempo/client.ts';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig } from '../stack/config.ts';
import { LocalStackProvider } from '../stack/local.ts';
import { ManagedProcess } from '../stack/process.ts';
import { REPO_ROOT, requireTool } from '../stack/tools.ts';
import { waitFor } from '../stack/wait.ts';
import { entityIdFor } from '../target-pipeline/feature-extractor/entity-id.ts';
import { launchPipeline, pipelinePorts, type RunningPipeline } from '../stack/pipeline.ts';
import { FIDELITY_S, loadFidelity, type FidelityRow } from './fidelity.ts';
import { cacheVsStore, forwardPass } from './micro.ts';
import { forwardTable } from './model-report.ts';
import { scenarioRuns, type ScenarioRun } from './scenarios.ts';
import { PROBES, traceTurnaround } from './turnaround.ts';

export const RATES = (process.env.BENCH_RATES ?? '10,50,100,150').split(',').map(Number);
export const BLOCK_S = Number(process.env.BENCH_BLOCK_S ?? 4);
/** Tracing on and off alternate this many times per rate; latencies are pooled per side. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
export const STAGE_SAMPLE = 60;
export const WARMUP_RATE = 50;
const PORT_OFFSET = 10_000;
const OUT_DIR = path.join(REPO_ROOT, 'reports/bench');

interface LoadResult { rate: number; tracing: 'on' | 'off'; achieved_rps: number; p50_ms: number; p95_ms: number; p99_ms: number; failed: number; dropped: number }

async function k6(gatewayUrl: string, rate: number, runDir: string, label: string): Promise<Omit<LoadResult, 'tracing'>> {
  const summary = path.join(runDir, `k6-${label}.json`);
  const p = ManagedProcess.start({
    name: `k6-${label}`, command: requireTool('k6'), cwd: REPO_ROOT, logDir: path.join(runDir, 'logs'),
    args: ['run', '--summary-export', summary, '--no-color', path.join(REPO_ROOT, 'bench/load.ts')],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', GATEWAY_URL: gatewayUrl, RATE: String(rate), DURATION: `${BLOCK_S}s` },
  });
  await p.exited;
  const m = JSON.parse(fs.readFileSync(summary, 'utf8')).metrics;
  return {
    rate,
    achieved_rps: (m.http_reqs?.count ?? 0) / BLOCK_S,
    p50_ms: m.http_req_duration?.med, p95_ms: m.http_req_duration?.['p(95)'], p99_ms: m.http_req_duration?.['p(99)'],
    failed: Math.round((m.http_req_failed?.value ?? 0) * (m.http_reqs?.count ?? 0)),
    dropped: m.dropped_iterations?.count ?? 0,
  };
}

async function stageMedians(p: RunningPipeline, token: string, full: TempoClient, after: number) {
  const entries = await new AdminClient(p.adminUrl, token).ledgerAll(after);
  const sample = entries.filter((_, i) => i % Math.max(1, Math.floor(entries.length / STAGE_SAMPLE)) === 0).slice(0, STAGE_SAMPLE);
  const by = new Map<string, number[]>();
  for (const e of sample) {
    const t = await waitFor(() => full.traceById(e.trace_id), { what: `trace ${e.trace_id}`, timeoutMs: 30_000 });
    for (const s of spansOf(t)) by.set(s.name, [...(by.get(s.name) ?? []), Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6]);
  }
  return Object.fromEntries([...by].map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log('[bench] cache hit vs store miss, forward pass by shape (in process)');
  const cache = await cacheVsStore();
  const forward = await forwardPass();

  const cfg = loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(PORT_OFFSET) });
  const stack = await new LocalStackProvider().start(cfg);
  const token = randomBytes(18).toString('hex');
  const pipelines: Record<'on' | 'off', RunningPipeline | undefined> = { on: undefined, off: undefined };
  let result: Record<string, any> = {};
  try {
    for (const [tracing, shift] of [['on', 0], ['off', 100]] as const) {
      pipelines[tracing] = await launchPipeline({
        env: { ...pipelinePorts(PORT_OFFSET + shift), HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl, HARNESS_TRACING: tracing, FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: token },
        logDir: path.join(cfg.runDir, 'logs', `tracing-${tracing}`),
      });
      await primePipeline(pipelines[tracing]!.gatewayUrl, 100, 'intent-encoder');
    }
    const on = pipelines.on!;
    const off = pipelines.off!;
    const admins = { on: new AdminClient(on.adminUrl, token), off: new AdminClient(off.adminUrl, token) };
    // JIT, caches and worker threads warm on both sides before anything is measured.
    for (const side of ['on', 'off'] as const) {
      console.log(`[bench] warm-up, tracing ${side}`);
      await k6((side === 'on' ? on : off).gatewayUrl, WARMUP_RATE, cfg.runDir, `${side}-warmup`);
    }
    const cursor = await admins.on.ledgerHead();
    const load: LoadResult[] = [];
    for (const rate of RATES) {
      // Short blocks in alternation (on, off, off, on, ...), so drift in this shared
      // machine's load falls on both sides alike; server-side latencies (the ledger)
      // are pooled per side, throughput averaged over the blocks.
      const pooled = { on: [] as number[], off: [] as number[] };
      const blocks = { on: [] as Omit<LoadResult, 'tracing'>[], off: [] as Omit<LoadResult, 'tracing'>[] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const side of r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          console.log(`[bench] ${rate}/s, round ${r + 1}/${ROUNDS}, tracing ${side}`);
          const before = await admins[side].ledgerHead();
          blocks[side].push(await k6((side === 'on' ? on : off).gatewayUrl, rate, cfg.runDir, `${side}-${rate}-${r}`));
          pooled[side].push(...(await admins[side].ledgerAll(before)).map((e) => e.latency_ms));
        }
      }
      for (const side of ['on', 'off'] as const) {
        const [p50, p95, p99] = quantiles(pooled[side], [0.5, 0.95, 0.99]) as [number, number, number];
        load.push({
          rate, tracing: side,
          achieved_rps: blocks[side].reduce((a, b) => a + b.achieved_rps, 0) / blocks[side].length,
          p50_ms: p50, p95_ms: p95, p99_ms: p99,
          failed: blocks[side].reduce((a, b) => a + b.failed, 0),
          dropped: blocks[side].reduce((a, b) => a + b.dropped, 0),
        });
      }
    }
    const full = new TempoClient(stack.endpoints.tempoUrl, 'full');
    const stages = await stageMedians(on, token, full, cursor);
    const overhead = RATES.map((rate) => {
      const a = load.find((l) => l.rate === rate && l.tracing === 'on')!;
      const b = load.find((l) => l.rate === rate && l.tracing === 'off')!;
      return { rate, p50_ratio: a.p50_ms / b.p50_ms, p99_ratio: a.p99_ms / b.p99_ms, throughput_ratio: a.achieved_rps / b.achieved_rps };
    });
    const fidelity = await loadFidelity(on.gatewayUrl, cfg.runDir, console.log);
    console.log(`[bench] trace end to searchable in Tempo, ${PROBES} requests one at a time`);
    const turnaround = await traceTurnaround(on.gatewayUrl, full, { model: 'intent-encoder', input: 'can I upgrade my plan', feature_ids: [entityIdFor(1)], client_id: 'bench' });
    result = {
      when: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gb: Math.round(os.totalmem() / 2 ** 30) },
      device: forward.provider, block_s: BLOCK_S, rounds: ROUNDS, load, tracing_overhead: overhead, stage_medians_ms: stages,
      cache_vs_store: cache, forward_pass: forward.models,
      load_fidelity: { duration_s: FIDELITY_S, ...fidelity },
      trace_turnaround: { probes: PROBES, by_id_ms: summary(turnaround.by_id_ms), search_ms: summary(turnaround.search_ms) },
    };
  } finally {
    await pipelines.off?.stop();
    await pipelines.on?.stop();
    await stack.stop();
  }
  // Each scenario starts its own stack and pipeline on the same ports, so they run after.
  result.scenarios = await scenarioRuns(PORT_OFFSET, console.log);
  result.duration_s = (performance.now() - t0) / 1000;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'bench.md'), markdown(result));
  console.log(markdown(result));
}

/** Median, 90th percentile and maximum of a small sample (NaN: a probe timed out). */
function summary(xs: number[]): { median: number; p90: number; max: number; timed_out: number } {
  const ok = xs.filter((x) => !Number.isNaN(x));
  const [med, p90, max] = quantiles(ok, [0.5, 0.9, 1]) as [number, number, number];
  return { median: med, p90, max, timed_out: xs.length - ok.length };
}

const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

function markdown(r: any): string {
  return [
    `# Pipeline benchmark (${r.when})`,
    '', `Machine: ${r.machine.cpus} CPUs (${r.machine.model}), ${r.machine.mem_gb} GiB; execution provider: ${r.device}. Per rate, ${r.rounds} rounds of ${r.block_s} s blocks at a constant arrival rate, tracing on and off alternating; percentiles are of the gateway's own latency (the ledger), pooled per side.`,
    '', '## Latency and throughput at fixed arrival rates', '',
    '| rate/s | tracing | achieved/s | p50 ms | p95 ms | p99 ms | failed | dropped |', '|---|---|---|---|---|---|---|---|',
    ...r.load.map((l: LoadResult) => `| ${l.rate} | ${l.tracing} | ${f(l.achieved_rps)} | ${f(l.p50_ms)} | ${f(l.p95_ms)} | ${f(l.p99_ms)} | ${l.failed} | ${l.dropped} |`),
    '', '## Tracing on / off (same run, alternating blocks)', '', '| rate/s | p50 ratio | p99 ratio | throughput ratio |', '|---|---|---|---|',
    ...r.tracing_overhead.map((o: any) => `| ${o.rate} | ${f(o.p50_ratio, 3)} | ${f(o.p99_ratio, 3)} | ${f(o.throughput_ratio, 3)} |`),
    '', '## Per-stage median span duration (tracing on)', '', '| span | median ms |', '|---|---|',
    ...Object.entries(r.stage_medians_ms).map(([k, v]) => `| ${k} | ${f(v as number, 2)} |`),
    '', '## Feature cache hit vs store miss (interleaved, in process)', '',
    `| | median ms |`, '|---|---|',
    `| store miss, 1 entity | ${f(r.cache_vs_store.miss_1_entity_ms, 2)} |`, `| store miss, 8 entities | ${f(r.cache_vs_store.miss_8_entities_ms, 2)} |`,
    `| cache hit, 1 entity | ${f(r.cache_vs_store.hit_1_entity_ms, 4)} |`, `| cache hit, 16 entities | ${f(r.cache_vs_store.hit_16_entities_ms, 4)} |`,
    `| miss / hit ratio | ${f(r.cache_vs_store.miss_over_hit_ratio, 0)} |`,
    '', '## Forward pass by batch size and sequence length: the serving path against session.run in the worker (one worker, one thread)', '',
    ...forwardTable(r.forward_pass),
    '', `## Load fidelity (one k6 process, constant arrival rate, ${r.load_fidelity.duration_s} s per rate, tracing on)`, '',
    'Achieved = requests sent / duration; dropped = arrivals k6 could not start (every VU busy): the pipeline is saturated.', '',
    ...fidelityTable(r.load_fidelity.rising),
    '', `## The same total load, one k6 process vs two with execution segments (${r.load_fidelity.split[0].target_rps}/s)`, '',
    'Two processes: `--execution-segment 0:1/2` and `1/2:1`, `--execution-segment-sequence 0,1/2,1`, run at the same time; counts summed, latency the worse of the two.', '',
    ...fidelityTable(r.load_fidelity.split),
    '', `## Trace end to queryable in Tempo (${r.trace_turnaround.probes} requests, one at a time, tenant full)`, '',
    '| from the answer to | median ms | p90 ms | max ms | timed out |', '|---|---|---|---|---|',
    ...(['by_id_ms', 'search_ms'] as const).map((k) => { const x = r.trace_turnaround[k]; return `| ${k === 'by_id_ms' ? 'whole trace by id' : 'found by TraceQL search'} | ${f(x.median, 0)} | ${f(x.p90, 0)} | ${f(x.max, 0)} | ${x.timed_out} |`; }),
    '', '## Scenarios, full length: wall time and where it went', '',
    '| scenario | pass | requests | wall s | stack ready | pipeline ready | k6 | traces searchable | sampling settled | stop | peak total RSS MiB |', '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.scenarios.map((x: ScenarioRun) => `| ${x.scenario} | ${x.pass ? 'yes' : 'NO'} | ${x.requests} | ${f(x.wall_s)} | ${sec(x.timings_ms.stack_ready_ms)} | ${sec(x.timings_ms.pipeline_ready_ms)} | ${sec(x.timings_ms.k6_ms)} | ${sec(x.timings_ms.traces_searchable_ms)} | ${sec(x.timings_ms.sampling_settled_ms)} | ${sec(x.timings_ms.stop_ms)} | ${f(x.memory.peak_total_mb, 0)} |`),
    '', '## Peak RSS (VmHWM) of each process, MiB, per scenario', '',
    ...memoryTable(r.scenarios),
    '', `Total bench time: ${f(r.duration_s)} s.`, '',
  ].join('\n');
}

const sec = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

function fidelityTable(rows: FidelityRow[]): string[] {
  return ['| target/s | k6 processes | achieved/s | achieved / target | iterations | dropped | failed | p50 ms | p99 ms |', '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.target_rps} | ${x.processes} | ${f(x.achieved_rps)} | ${f(x.achieved_ratio, 3)} | ${x.iterations} | ${x.dropped_iterations} | ${x.failed} | ${f(x.p50_ms)} | ${f(x.p99_ms)} |`)];
}

function memoryTable(runs: ScenarioRun[]): string[] {
  const names = [...new Set(runs.flatMap((x) => Object.keys(x.memory.per_process_mb)))].sort();
  return [`| process | ${runs.map((x) => x.scenario).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`,
    ...names.map((n) => `| ${n} | ${runs.map((x) => f(x.memory.per_process_mb[n], 0)).join(' | ')} |`),
    `| **peak total (sum of RSS at one instant)** | ${runs.map((x) => f(x.memory.peak_total_mb, 0)).join(' | ')} |`];
}

const USAGE = `usage: node bench/run.ts   (make bench)

Takes no arguments; its knobs are environment variables:
  BENCH_RATES    arrival rates per second, comma-separated (now ${RATES.join(',')})
  BENCH_BLOCK_S  seconds per load block (now ${BLOCK_S})
  BENCH_ROUNDS   tracing on/off alternations per rate (now ${ROUNDS})
  and BENCH_FIDELITY_RATES, BENCH_FIDELITY_S, BENCH_SPLIT_RATE (bench/fidelity.ts),
  BENCH_SCENARIOS (bench/scenarios.ts), BENCH_TURNAROUND_PROBES (bench/turnaround.ts).
Writes reports/bench/bench.json and bench.md. Exit code 2 when it failed.`;
parseCli({ name: 'bench', usage: USAGE, options: {} });

try {
  await main();
} catch (err) {
  console.error(`bench: ${(err as Error).stack}`);
  process.exit(2);
}
