/**
 * make bench: what does the pipeline cost, stage by stage, and what does tracing cost?
 * Everything compared is measured side by side in the same run (this machine is shared
 * and noisy): tracing on and off are two identical pipelines loaded in alternation.
 * Writes reports/bench/bench.json, bench.md, bench.html and bench-blocks.json (every block's latencies).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, quantiles } from '../assertions/stats.ts';
import { spansOf, TempoClient } from '../assertions/tempo/client.ts';
import type { AdminClient } from '../faults/admin/client.ts';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig } from '../stack/config.ts';
import { LocalStackProvider } from '../stack/local.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { waitFor } from '../stack/wait.ts';
import { entityIdFor } from '../target-pipeline/feature-extractor/entity-id.ts';
import type { Block } from './blocks.ts';
import { FIDELITY_S, loadFidelity, type FidelityRow } from './fidelity.ts';
import { cacheVsStore, forwardPass } from './micro.ts';
import { forwardTable } from './model-report.ts';
import { BENCH_GOALS, blocksFile, BLOCK_S, knobErrors, launchTwoPipelines, measureOverhead, MIN_ROUNDS, overheadMarkdown, PORT_OFFSET, RATES, REQUESTS_PER_SIDE, ROUNDS_SET, type OverheadRow } from './overhead.ts';
import { loadReportAssets } from '../assertions/reports/assets.ts';
import { writeIndex } from '../assertions/reports/index-page.ts';
import { renderBenchPage } from './html.ts';
import { scenarioRuns, type ScenarioRun } from './scenarios.ts';
import { PROBES, traceTurnaround } from './turnaround.ts';

export const STAGE_SAMPLE = 60;
const OUT_DIR = path.join(REPO_ROOT, 'reports/bench');

async function stageMedians(admin: AdminClient, full: TempoClient, after: number) {
  const entries = await admin.ledgerAll(after);
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
  // Every process of this part inherits it, which is how bench/cpu.ts finds them; the
  // scenarios set their own.
  process.env.HARNESS_RUN_DIR = cfg.runDir;
  const stack = await new LocalStackProvider().start(cfg);
  let result: Record<string, any> = {};
  const raw: Record<number, Block[]> = {};
  try {
    const p = await launchTwoPipelines(stack, cfg, console.log);
    try {
      const cursor = (await p.admins.on.ledgerAll()).at(-1)?.seq ?? 0;
      const overhead = await measureOverhead(p, cfg.runDir, console.log, (rate, b) => (raw[rate] = b));
      const full = new TempoClient(stack.endpoints.tempoUrl, 'full');
      const stages = await stageMedians(p.admins.on, full, cursor);
      const fidelity = await loadFidelity(p.on.gatewayUrl, cfg.runDir, console.log);
      console.log(`[bench] trace end to searchable in Tempo, ${PROBES} requests one at a time`);
      const turnaround = await traceTurnaround(p.on.gatewayUrl, full, { model: 'intent-encoder', input: 'can I upgrade my plan', feature_ids: [entityIdFor(1)], client_id: 'bench' });
      result = {
        when: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gb: Math.round(os.totalmem() / 2 ** 30) },
        device: forward.provider, tracing_overhead: overhead, stage_medians_ms: stages,
        cache_vs_store: cache, forward_pass: forward.models,
        load_fidelity: { duration_s: FIDELITY_S, ...fidelity },
        trace_turnaround: { probes: PROBES, by_id_ms: summary(turnaround.by_id_ms), search_ms: summary(turnaround.search_ms) },
      };
    } finally {
      await p.stop();
    }
  } finally {
    await stack.stop();
    delete process.env.HARNESS_RUN_DIR;
  }
  // Each scenario starts its own stack and pipeline on the same ports, so they run after.
  result.scenarios = await scenarioRuns(PORT_OFFSET, console.log);
  result.duration_s = (performance.now() - t0) / 1000;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'bench-blocks.json'), blocksFile(raw));
  const md = `${markdown(result)}${profileSection()}`;
  fs.writeFileSync(path.join(OUT_DIR, 'bench.md'), md);
  fs.writeFileSync(path.join(OUT_DIR, 'bench.html'), renderBenchPage('Benchmarks', { ...result, goals: BENCH_GOALS }, loadReportAssets()));
  writeIndex(path.dirname(OUT_DIR));
  console.log(md);
}

/**
 * The latest make bench-profile report (reports/bench/profile.md), which says where the
 * CPU of a traced request goes, quoted with its own date and command: profiling slows the
 * services, so it is a run of its own, never part of this one's figures.
 */
function profileSection(): string {
  const file = path.join(OUT_DIR, 'profile.md');
  if (!fs.existsSync(file)) return '\n## What the overhead is made of\n\nNo profile yet: `make bench-profile` writes reports/bench/profile.md, quoted here by the next make bench.\n';
  return `\n## What the overhead is made of: the latest make bench-profile (a run of its own)\n\n${fs.readFileSync(file, 'utf8').replace(/^## /gm, '#### ').replace(/^# /, '### ')}`;
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
    '', `Machine: ${r.machine.cpus} CPUs (${r.machine.model}), ${r.machine.mem_gb} GiB; execution provider: ${r.device}. Latencies are the gateway's own (the ledger), pooled per side over the blocks of a rate.`,
    '', '## Latency and throughput at fixed arrival rates', '',
    '| rate/s | tracing | achieved/s | p50 ms | p95 ms | p99 ms | failed | dropped |', '|---|---|---|---|---|---|---|---|',
    ...r.tracing_overhead.rows.flatMap((o: OverheadRow) => (['on', 'off'] as const).map((t) => { const l = o[t]; return `| ${o.rate} | ${t} | ${f(l.achieved_rps)} | ${f(l.p50_ms)} | ${f(l.p95_ms)} | ${f(l.p99_ms)} | ${l.failed} | ${l.dropped} |`; })),
    '', ...overheadMarkdown(r.tracing_overhead),
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

const USAGE = `usage: make bench   (node bench/run.ts with the pinned Node)

Takes no arguments; its knobs are environment variables:
  BENCH_RATES    arrival rates per second, comma-separated (now ${RATES.join(',')})
  BENCH_BLOCK_S  seconds per slot of the tracing on/off load, one side at a time (now ${BLOCK_S})
  BENCH_REQUESTS requests per side and rate at least (now ${REQUESTS_PER_SIDE}; at least ${MIN_ROUNDS} rounds)
  BENCH_ROUNDS   rounds per rate instead, one slot tracing on and one off each (now ${ROUNDS_SET ?? 'unset'})
  and BENCH_FIDELITY_RATES, BENCH_FIDELITY_S, BENCH_SPLIT_RATE (bench/fidelity.ts),
  BENCH_SCENARIOS (bench/scenarios.ts), BENCH_TURNAROUND_PROBES (bench/turnaround.ts).
Writes reports/bench/bench.json, bench.md and bench-blocks.json (every block's latencies,
from which each interval can be recomputed). Exit code 2 when it failed.`;
parseCli({ name: 'bench', usage: USAGE, options: {} });
const wrongKnobs = knobErrors();
if (wrongKnobs.length > 0) {
  console.error(`bench: ${wrongKnobs.join('; ')}`);
  process.exit(2);
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${(err as Error).stack}`);
  process.exit(2);
}
