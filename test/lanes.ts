/**
 * What `make test` runs, side by side: the type-check and the unit tests, and the
 * integration files in two lanes, each a vitest process of its own on its own ports
 * (HARNESS_TEST_PORT_OFFSET):
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
import { parseCli } from '../stack/cli-args.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import buildFeatureStore from './integration/global-setup.ts';

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
/** The type-check's and the unit tests' priority: below the load-sensitive lane, above the background one. */
export const CHECKS_NICE = 10;

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

/**
 * The first lane's first file (the seven relayed scenario runs, whose control run and recall
 * checks are the most sensitive to a busy machine) runs before the type-check and the unit
 * tests start, with only the nice-19 lane beside it. Measured on 2026-12-07: four make test
 * runs in a row, with the checks beside it from the start, failed baseline's control run
 * (20-43 requests queued for the device longer than their forward pass; priming 7.9-11.8 s
 * instead of 4-6 s; the pretrained model's unit test 11.6-12.9 s instead of 4.6-6 s beside it),
 * while the scenario file alone passed in the same hour. The checks take about 100 s at nice
 * 10 and finish well inside the rest of the first lane, so make test takes no longer.
 */
export const LEAD_ALONE = 'scenarios';

/** The first lane split into its lead file (LEAD_ALONE) and the rest, each a lane of its own on the same ports. */
export function splitLead(lane: Lane): { lead: Lane; follow: Lane } {
  if (!lane.files.includes(LEAD_ALONE)) throw new Error(`lane ${lane.name} has no ${LEAD_ALONE} file to run first`);
  return {
    lead: { ...lane, name: `${lane.name}-${LEAD_ALONE}`, files: [LEAD_ALONE] },
    follow: { ...lane, files: lane.files.filter((f) => f !== LEAD_ALONE) },
  };
}

const INTEGRATION_DIR = path.join(REPO_ROOT, 'test', 'integration');
const VITEST = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A command of a lane; the lane runs its commands side by side. */
interface Job {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

/** The checks that need no backend: the type-check and the unit tests (the pretrained model's included). */
export const CHECKS: Job[] = [
  { name: 'type-check', args: [TSC, '--noEmit'] },
  { name: 'unit', args: [VITEST, 'run', '--project', 'unit'], env: { PRETRAINED_REQUIRED: '1' } },
];

const integrationJob = (lane: Lane): Job => ({
  name: `integration-${lane.name}`,
  args: [VITEST, 'run', '--project', 'integration', ...lane.files.map((f) => `test/integration/${f}.test.ts`)],
  env: { HARNESS_TEST_PORT_OFFSET: String(lane.portOffset) },
});

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

interface JobRun {
  job: Job;
  nice: number;
  code: number;
  seconds: number;
  /** Where its output went (also what streamed to the terminal). */
  log: string;
  /** Whether its output also streamed to the terminal as it came. */
  streamed: boolean;
}

/**
 * Runs a job with its output in logFile; with stream, also to the terminal as it comes
 * (the log then keeps what streamed, so that its failures can be printed again at the end).
 */
function runJob(job: Job, nice: number, logFile: string, stream = false): Promise<JobRun> {
  const t0 = performance.now();
  const out = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, job.args, {
    cwd: REPO_ROOT, stdio: ['ignore', stream ? 'pipe' : out, stream ? 'pipe' : out],
    env: { ...process.env, ...job.env, ...(stream ? {} : { FORCE_COLOR: '0' }) },
  });
  for (const s of stream ? [child.stdout!, child.stderr!] : []) s.on('data', (chunk: Buffer) => { process.stdout.write(chunk); fs.writeSync(out, chunk); });
  // Before vitest starts a worker: every process of the job inherits the priority.
  if (nice !== 0 && child.pid) os.setPriority(child.pid, nice);
  return new Promise((resolve) => child.on('close', (code, signal) => {
    fs.closeSync(out);
    resolve({ job, nice, code: code ?? (signal ? 1 : 0), seconds: Math.round((performance.now() - t0) / 1000), log: logFile, streamed: stream });
  }));
}

const ANSI = /\x1b\[[0-9;]*m/g;
/** How much of one job's failures is printed at the end: CI often shows only the tail of the output. */
export const DIGEST_MAX_CHARS = 6_000;
/** Lines of a log shown when it holds no vitest failure section (a crash, a tsc error). */
export const DIGEST_TAIL_LINES = 30;

/**
 * What a failed job's log says went wrong: vitest's "Failed Tests" / "Failed Suites" /
 * "Unhandled Errors" sections, or the log's last lines where it has none; cut to
 * DIGEST_MAX_CHARS from the start, where the first failure is.
 */
export function failureDigest(log: string): string {
  const lines = log.replace(ANSI, '').split('\n');
  const from = lines.findIndex((l) => /⎯{3,}\s*(Failed Tests|Failed Suites|Unhandled Errors?)\b/.test(l));
  let picked: string[];
  if (from < 0) picked = lines.slice(-DIGEST_TAIL_LINES);
  else {
    const to = lines.findIndex((l, i) => i > from && /^\s*Test Files\s/.test(l));
    picked = lines.slice(from, to < 0 ? undefined : to);
  }
  const text = picked.join('\n').trim();
  return text.length > DIGEST_MAX_CHARS ? `${text.slice(0, DIGEST_MAX_CHARS)}\n[... cut at ${DIGEST_MAX_CHARS} characters]` : text;
}

const USAGE = `make test: node test/lanes.ts [--one-lane]

Runs side by side (see CHECKS and LANES in test/lanes.ts): the load-sensitive integration
files one at a time at normal priority, streaming here, ${LEAD_ALONE} first; the type-check and the
unit tests at nice ${CHECKS_NICE} once ${LEAD_ALONE} is done; the other integration files one at a time
at nice ${BACKGROUND_NICE} from the start. What did
not stream is printed when all are done, then what failed in each job that failed, last,
where a CI page that shows only the tail shows it (every job's whole output is kept in
.runs/test-<name>.log). Exit 0 only when every one passes.

  --one-lane   the type-check and the unit tests first, then, if they pass, every integration
               file one after another at normal priority (as before the lanes)
  -h, --help   this text`;

async function main(): Promise<number> {
  const { values } = parseCli({ name: 'test lanes', usage: USAGE, options: { 'one-lane': { type: 'boolean' } } });
  const problems = laneProblems();
  if (problems.length) {
    console.error(`integration lanes (test/lanes.ts) do not match the files:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const runDir = path.join(REPO_ROOT, '.runs');
  fs.mkdirSync(runDir, { recursive: true });
  const logOf = (j: Job) => path.join(runDir, `test-${j.name}.log`);
  const runs: JobRun[] = [];
  if (values['one-lane']) {
    runs.push(...(await Promise.all(CHECKS.map((j) => runJob(j, 0, logOf(j))))));
    printLogs(runs);
    if (runs.every((r) => r.code === 0)) {
      buildFeatureStore();
      const all = integrationJob({ name: 'all', files: LANES.flatMap((l) => l.files), nice: 0, portOffset: LANES[0]!.portOffset });
      runs.push(await runJob(all, 0, logOf(all), true));
    }
  } else {
    // Built once before the lanes start, so that two vitest processes never both build it.
    buildFeatureStore();
    // The first lane streams to the terminal; the rest go to a log each, printed after.
    const [first, ...rest] = LANES;
    const { lead, follow } = splitLead(first!);
    const background = rest.map((l) => runJob(integrationJob(l), l.nice, logOf(integrationJob(l))));
    // The first lane's lead file runs with only the background lane beside it; the checks
    // start when it ends, beside the rest of the first lane (LEAD_ALONE says why).
    const leadRun = await runJob(integrationJob(lead), first!.nice, logOf(integrationJob(lead)), true);
    runs.push(leadRun, ...(await Promise.all([
      runJob(integrationJob(follow), first!.nice, logOf(integrationJob(follow)), true),
      ...CHECKS.map((j) => runJob(j, CHECKS_NICE, logOf(j))),
      ...background,
    ])));
    printLogs(runs);
  }
  for (const r of runs.filter((x) => x.code !== 0)) {
    console.log(`\n---- what failed in ${r.job.name} (its whole log: ${path.relative(REPO_ROOT, r.log)}) ----`);
    console.log(failureDigest(fs.readFileSync(r.log, 'utf8')));
  }
  for (const r of runs) console.log(`${r.job.name} (nice ${r.nice}): exit ${r.code}, ${r.seconds} s`);
  return runs.some((r) => r.code !== 0) ? 1 : 0;
}

function printLogs(runs: JobRun[]): void {
  for (const r of runs.filter((x) => !x.streamed)) {
    console.log(`\n---- ${r.job.name} (nice ${r.nice}), exit ${r.code}, its log ${path.relative(REPO_ROOT, r.log)} ----`);
    process.stdout.write(fs.readFileSync(r.log, 'utf8'));
  }
}

if (import.meta.main) process.exitCode = await main();
