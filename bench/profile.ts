/**
 * make bench-profile: what is a traced request's extra time made of? The two pipelines of
 * the overhead bench run under `node --cpu-prof`, are loaded in the same alternating
 * blocks at one rate, and each service's profile is read over its own side's blocks only
 * (bench/cpu-profile.ts), so start-up and warm-up stay out: CPU ms per request by part
 * (span creation, context, propagation, the span processor, export serialisation and
 * sending, metrics, the app) on and off, and the longest stretch one export held the
 * event loop. Writes reports/bench/profile.json and profile.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig } from '../stack/config.ts';
import { LocalStackProvider } from '../stack/local.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { PIPELINE_SERVICES } from '../target-pipeline/services.ts';
import { alternatingBlocks, SIDES, type Block, type Tracing } from './blocks.ts';
import { PARTS, summariseProfile, TRACING_PARTS, type CpuProfile, type Part, type ProfileSummary } from './cpu-profile.ts';
import { knobsEnv, launchTwoPipelines, overheadRow, PORT_OFFSET, SIDE_ENV, type OverheadRow } from './overhead.ts';

export const PROFILE_RATE = Number(process.env.BENCH_PROFILE_RATE ?? 100);
export const PROFILE_ROUNDS = Number(process.env.BENCH_PROFILE_ROUNDS ?? 4);
export const PROFILE_BLOCK_S = Number(process.env.BENCH_PROFILE_BLOCK_S ?? 5);
/**
 * Sampling interval of the profiler, µs: V8's default. Finer sampling (250 µs was tried)
 * slowed the gateway several-fold, so the profile no longer showed the pipeline as it runs.
 */
export const PROFILE_INTERVAL_US = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000);
const OUT_DIR = path.join(REPO_ROOT, 'reports/bench');

export interface ServiceProfile {
  service: string;
  tracing: Tracing;
  requests: number;
  /** Main thread, CPU ms per request, by part. */
  per_request_ms: Record<Part, number>;
  busy_per_request_ms: number;
  longest_export_ms: number;
}

/** The main thread's profile of each service process (worker threads write their own files; they run the model, not telemetry). */
function mainThreadProfiles(dir: string, pids: Map<number, string>): Map<string, CpuProfile> {
  const out = new Map<string, CpuProfile>();
  for (const file of fs.readdirSync(dir)) {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; the main thread is thread 0.
    const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(file);
    if (!m || m[2] !== '0') continue;
    const service = pids.get(Number(m[1]));
    if (service) out.set(service, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return out;
}

function summarise(service: string, tracing: Tracing, p: CpuProfile, blocks: readonly Block[]): ServiceProfile {
  const own = blocks.filter((b) => b.tracing === tracing);
  const requests = own.reduce((s, b) => s + b.latencies_ms.length, 0);
  const parts = own.map((b) => summariseProfile(p, b.window_us[0], b.window_us[1], PROFILE_INTERVAL_US / 1000));
  const sum = (pick: (s: ProfileSummary) => number) => parts.reduce((s, x) => s + pick(x), 0);
  return {
    service, tracing, requests,
    per_request_ms: Object.fromEntries(PARTS.map((k) => [k, sum((s) => s.by_part_ms[k]) / requests])) as Record<Part, number>,
    busy_per_request_ms: sum((s) => s.busy_ms) / requests,
    longest_export_ms: Math.max(...parts.map((s) => s.longest_export_ms)),
  };
}

const f = (x: number | undefined, d = 3) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

export function profileMarkdown(r: { when: string; side_env: Record<Tracing, Record<string, string>>; rate: number; rounds: number; block_s: number; interval_us: number; services: ServiceProfile[]; overhead: OverheadRow }): string {
  const services = [...new Set(r.services.map((s) => s.service))];
  const of = (service: string, t: Tracing) => r.services.find((s) => s.service === service && s.tracing === t);
  const shown = PARTS.filter((k) => r.services.some((s) => s.per_request_ms[k] >= 0.0005));
  const sumOver = (t: Tracing, pick: (s: ServiceProfile) => number) => r.services.filter((s) => s.tracing === t).reduce((a, s) => a + pick(s), 0);
  const tracingOnly = (s: ServiceProfile) => TRACING_PARTS.reduce((a, k) => a + s.per_request_ms[k], 0);
  return [
    `# Where a traced request's CPU goes (${r.when})`, '',
    `\`${knobsEnv(r.side_env)}BENCH_PROFILE_RATE=${r.rate} BENCH_PROFILE_ROUNDS=${r.rounds} BENCH_PROFILE_BLOCK_S=${r.block_s} make bench-profile\`: both pipelines under \`node --cpu-prof --cpu-prof-interval ${PROFILE_INTERVAL_US}\`, ${r.rounds} rounds of one ${r.block_s} s block per side at ${r.rate}/s; each service's main thread, sampled only during its own side's blocks, ms per request, each sample counted as at most one sampling interval (a longer gap to the next sample is time spent waiting for a core). A sample counts for the nearest OpenTelemetry, app or library frame on its stack (time in Node internals and natives counts for its caller).`, '',
    ...(r.side_env.off.HARNESS_TRACING === 'on' ? ['Both pipelines trace here: "on" and "off" are the settings of BENCH_ON_ENV and BENCH_OFF_ENV, compared side by side.', ''] : []),
    `Latency in this run (profiler on, both sides): p50 ratio ${f(r.overhead.p50_ratio.ratio)} [${f(r.overhead.p50_ratio.low)}, ${f(r.overhead.p50_ratio.high)}], p50 ${f(r.overhead.on.p50_ms, 2)} ms on / ${f(r.overhead.off.p50_ms, 2)} ms off, achieved ${f(r.overhead.on.achieved_rps, 1)} / ${f(r.overhead.off.achieved_rps, 1)} per s. CPU of every process (from /proc, the profiler's own cost included), ms per request on / off: ${Object.keys(r.overhead.cpu_ms_per_request.on).map((k) => `${k} ${f(r.overhead.cpu_ms_per_request.on[k], 2)} / ${f(r.overhead.cpu_ms_per_request.off[k], 2)}`).join(', ')}.`, '',
    `| part | ${services.map((s) => `${s} on / off`).join(' | ')} | all four on / off |`, `|---|${services.map(() => '---').join('|')}|---|`,
    ...shown.map((k) => `| ${k} | ${services.map((s) => `${f(of(s, 'on')?.per_request_ms[k])} / ${f(of(s, 'off')?.per_request_ms[k])}`).join(' | ')} | ${f(sumOver('on', (s) => s.per_request_ms[k]))} / ${f(sumOver('off', (s) => s.per_request_ms[k]))} |`),
    `| **tracing parts** | ${services.map((s) => `${f(tracingOnly(of(s, 'on')!))} / ${f(tracingOnly(of(s, 'off')!))}`).join(' | ')} | ${f(sumOver('on', tracingOnly))} / ${f(sumOver('off', tracingOnly))} |`,
    `| **busy, all parts** | ${services.map((s) => `${f(of(s, 'on')?.busy_per_request_ms)} / ${f(of(s, 'off')?.busy_per_request_ms)}`).join(' | ')} | ${f(sumOver('on', (s) => s.busy_per_request_ms))} / ${f(sumOver('off', (s) => s.busy_per_request_ms))} |`,
    `| longest export stretch, ms | ${services.map((s) => `${f(of(s, 'on')?.longest_export_ms, 2)} / -`).join(' | ')} | |`,
    '',
  ].join('\n');
}

const USAGE = `usage: make bench-profile (node bench/profile.ts with the pinned Node)

Both pipelines of the overhead bench under node --cpu-prof, loaded in alternating blocks at
one rate; CPU ms per request by part, tracing on and off, per service.
Knobs (environment): BENCH_PROFILE_RATE (now ${PROFILE_RATE}), BENCH_PROFILE_ROUNDS (now ${PROFILE_ROUNDS}),
BENCH_PROFILE_BLOCK_S (now ${PROFILE_BLOCK_S}), BENCH_PROFILE_INTERVAL_US (now ${PROFILE_INTERVAL_US}). Writes reports/bench/profile.json and profile.md. Exit code 2 when it failed.`;

if (import.meta.main) {
  parseCli({ name: 'bench-profile', usage: USAGE, options: {} });
  try {
    const cfg = loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(PORT_OFFSET) });
    process.env.HARNESS_RUN_DIR = cfg.runDir;
    const dirs = { on: path.join(cfg.runDir, 'cpu-prof', 'on'), off: path.join(cfg.runDir, 'cpu-prof', 'off') };
    const nodeOptions = (t: Tracing) => [process.env.NODE_OPTIONS ?? '', '--cpu-prof', `--cpu-prof-dir=${dirs[t]}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`].join(' ').trim();
    const stack = await new LocalStackProvider().start(cfg);
    let blocks: Block[];
    const pids = { on: new Map<number, string>(), off: new Map<number, string>() };
    try {
      const p = await launchTwoPipelines(stack, cfg, console.log, { on: { ...SIDE_ENV.on, NODE_OPTIONS: nodeOptions('on') }, off: { ...SIDE_ENV.off, NODE_OPTIONS: nodeOptions('off') } });
      try {
        for (const t of SIDES) for (const s of PIPELINE_SERVICES) pids[t].set(p[t].processes.get(s.id)!.pid!, s.id);
        blocks = await alternatingBlocks({ on: { gatewayUrl: p.on.gatewayUrl, admin: p.admins.on }, off: { gatewayUrl: p.off.gatewayUrl, admin: p.admins.off } },
          { rate: PROFILE_RATE, rounds: PROFILE_ROUNDS, blockS: PROFILE_BLOCK_S, runDir: cfg.runDir, log: console.log });
      } finally {
        // A profile is written when its process exits.
        await p.stop();
      }
    } finally {
      await stack.stop();
    }
    const services: ServiceProfile[] = [];
    for (const t of SIDES) {
      const profiles = mainThreadProfiles(dirs[t], pids[t]);
      for (const s of PIPELINE_SERVICES) {
        const prof = profiles.get(s.id);
        if (!prof) throw new Error(`no CPU profile of the ${s.id} service (tracing ${t}) in ${dirs[t]}`);
        services.push(summarise(s.id, t, prof, blocks));
      }
    }
    const result = {
      when: new Date().toISOString(), side_env: SIDE_ENV, rate: PROFILE_RATE, rounds: PROFILE_ROUNDS, block_s: PROFILE_BLOCK_S, interval_us: PROFILE_INTERVAL_US,
      services, overhead: overheadRow(PROFILE_RATE, blocks), profile_dir: path.dirname(dirs.on), pids: { on: Object.fromEntries(pids.on), off: Object.fromEntries(pids.off) },
      blocks: blocks.map(({ latencies_ms, ...b }) => ({ ...b, requests: latencies_ms.length })),
    };
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'profile.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = profileMarkdown(result);
    fs.writeFileSync(path.join(OUT_DIR, 'profile.md'), md);
    console.log(md);
  } catch (err) {
    console.error(`bench-profile: ${(err as Error).stack}`);
    process.exit(2);
  }
}
