/**
 * The integration files in two lanes side by side, each a vitest process of its own on its
 * own ports (HARNESS_TEST_PORT_OFFSET):
 *  - the load-sensitive lane, at normal priority: the files whose checks depend on what a
 *    run's load does to latency (an unfaulted request must not queue, a queued one must
 *    wait longer than its forward pass, a reset must bring latency back within 5%);
 *  - the background lane, at the lowest priority (nice 19, inherited by every process it
 *    starts): the files whose checks count traces, spans, decisions and processes, and
 *    whose deadlines are generous, which hold on a busy machine. It takes the CPU the first lane leaves idle while its runs wait on the
 *    samplers and Tempo.
 * Two files of the first lane at once failed load checks in 3 of 3 runs; so did one of
 * them beside a background file at equal priority (mixed's gpu-starvation recall 0.986,
 * the reset test's 5%).
 *
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli } from '../../stack/cli-args.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import buildFeatureStore from './global-setup.ts';

export interface Lane {
  name: string;
  /** Integration files (basenames without .test.ts). */
  files: string[];
  /** Scheduling priority of the lane and of everything it starts (os.setPriority). */
  nice: number;
  portOffset: number;
}

/** The lowest priority a process can take: it runs only on CPU the others leave idle. */
export const BACKGROUND_NICE = 19;

export const LANES: Lane[] = [
  {
    name: 'load-sensitive',
    // The last three are not load-sensitive: they are here to even the lanes' wall times.
    files: ['scenarios', 'external', 'containers', 'faults', 'instrumentation-regression', 'foundation', 'bad-input', 'pipeline-trace'],
    nice: 0,
    portOffset: 14_000,
  },
  {
    name: 'background',
    files: ['trace-delivery', 'sampling', 'scale-out', 'graceful-shutdown', 'lifecycle'],
    nice: BACKGROUND_NICE,
    portOffset: 17_000,
  },
];

const INTEGRATION_DIR = path.join(REPO_ROOT, 'test', 'integration');

/** Every integration file, by basename. */
export function integrationFiles(): string[] {
  return fs.readdirSync(INTEGRATION_DIR).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, '')).sort();
}

/** What is wrong with the lanes against the files on disk: a file in no lane, in two, or a lane naming a file that is not there. */
export function laneProblems(lanes: Lane[] = LANES, files: string[] = integrationFiles()): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const in_ = lanes.filter((l) => l.files.includes(f)).map((l) => l.name);
    if (in_.length !== 1) problems.push(`test/integration/${f}.test.ts is in ${in_.length ? `lanes ${in_.join(' and ')}` : 'no lane'}`);
  }
  for (const l of lanes) for (const f of l.files) if (!files.includes(f)) problems.push(`lane ${l.name} names ${f}, which has no test/integration/${f}.test.ts`);
  return problems;
}

interface LaneRun {
  lane: Lane;
  code: number;
  seconds: number;
  log?: string;
}

function runLane(lane: Lane, logFile: string | undefined): Promise<LaneRun> {
  const t0 = performance.now();
  const vitest = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const out = logFile ? fs.openSync(logFile, 'w') : 'inherit';
  const child: ChildProcess = spawn(process.execPath, [vitest, 'run', '--project', 'integration', ...lane.files.map((f) => `test/integration/${f}.test.ts`)], {
    cwd: REPO_ROOT, stdio: ['ignore', out, out],
    env: { ...process.env, HARNESS_TEST_PORT_OFFSET: String(lane.portOffset), ...(logFile ? { FORCE_COLOR: '0' } : {}) },
  });
  // Before vitest starts a worker: every process of the lane inherits the priority.
  if (lane.nice !== 0 && child.pid) os.setPriority(child.pid, lane.nice);
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    if (typeof out === 'number') fs.closeSync(out);
    resolve({ lane, code: code ?? (signal ? 1 : 0), seconds: Math.round((performance.now() - t0) / 1000), log: logFile });
  }));
}

const USAGE = `make test (after the type-check and the unit tests): node test/integration/lanes.ts [--one-lane]

Runs the integration files in two lanes side by side (see LANES in test/integration/lanes.ts):
the load-sensitive files one at a time at normal priority, streaming here; the rest one at a
time at nice 19, their output printed when both lanes are done (also in
.runs/integration-background.log). Exit 0 only when both lanes pass.

  --one-lane   every file in one lane, one after another, at normal priority (as before the lanes)
  -h, --help   this text`;

async function main(): Promise<number> {
  const { values } = parseCli({ name: 'integration lanes', usage: USAGE, options: { 'one-lane': { type: 'boolean' } } });
  const problems = laneProblems();
  if (problems.length) {
    console.error(`integration lanes (test/integration/lanes.ts) do not match the files:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const oneLane = values['one-lane'] === true;
  const lanes: Lane[] = oneLane ? [{ name: 'all', files: LANES.flatMap((l) => l.files), nice: 0, portOffset: LANES[0]!.portOffset }] : LANES;
  // Built once before the lanes start, so that two vitest processes never both build it.
  buildFeatureStore();
  const runDir = path.join(REPO_ROOT, '.runs');
  fs.mkdirSync(runDir, { recursive: true });
  // The first lane streams to the terminal; the others go to a log each, printed after.
  const runs = await Promise.all(lanes.map((l, i) => runLane(l, i === 0 ? undefined : path.join(runDir, `integration-${l.name}.log`))));
  for (const r of runs.filter((x) => x.log)) {
    console.log(`\n---- integration lane '${r.lane.name}' (nice ${r.lane.nice}, ports +${r.lane.portOffset}), its log ${path.relative(REPO_ROOT, r.log!)} ----`);
    process.stdout.write(fs.readFileSync(r.log!, 'utf8'));
  }
  for (const r of runs) console.log(`integration lane '${r.lane.name}' (${r.lane.files.length} files, nice ${r.lane.nice}): exit ${r.code}, ${r.seconds} s`);
  return runs.some((r) => r.code !== 0) ? 1 : 0;
}

if (import.meta.main) process.exitCode = await main();
