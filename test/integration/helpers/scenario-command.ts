/**
 * Runs a scenario the way a user does (`make scenario-<pattern>`, or the runner it
 * calls), in short mode on the test ports, with its run folder and reports in a
 * temporary folder; then reads its verdict and looks for anything of the run left
 * behind (a process that inherited its run folder, a bound port).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReportData } from '../../../assertions/reports/report-data.ts';
import type { ScenarioVerdict } from '../../../assertions/reports/types.ts';
import { LOAD_ENDED_LINE } from '../../../assertions/scenario/run.ts';
import { loadStackConfig } from '../../../stack/config.ts';
import { pipelinePorts } from '../../../stack/pipeline.ts';
import { isPortFree } from '../../../stack/ports.ts';
import { isAlive, ManagedProcess, tail, type ExitInfo } from '../../../stack/process.ts';
import { REPO_ROOT } from '../../../stack/tools.ts';
import { TEST_PORT_OFFSET } from './stack.ts';

export const SCENARIO_COMMAND_TIMEOUT_MS = 240_000;

export interface ScenarioCommandRun {
  exit: ExitInfo;
  /** The verdict the run wrote, if it wrote one. */
  verdict: ScenarioVerdict | undefined;
  /** The report data it wrote beside the verdict (report-data.json), if it wrote it. */
  reportData: ReportData | undefined;
  log: string;
  /** Processes of the run still alive, and test ports still bound, after it exited. */
  left: string[];
  busyPorts: number[];
  runDir: string;
}

/** Pids of live processes whose environment holds `needle` (Linux /proc). */
export function processesWithEnv(needle: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(needle) && isAlive(Number(pid))) {
        found.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Every port a test run binds with this offset: the stack's and the pipeline's. */
export function testPorts(offset = TEST_PORT_OFFSET): number[] {
  return Object.values(loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(offset) }).ports).concat(Object.values(pipelinePorts(offset)).map(Number));
}

export async function busyTestPorts(offset = TEST_PORT_OFFSET): Promise<number[]> {
  const busy: number[] = [];
  for (const p of testPorts(offset)) if (!(await isPortFree('127.0.0.1', p))) busy.push(p);
  return busy;
}

/** The environment of a scenario run on the test ports (shifted to `offset`), in `root`. */
export function scenarioEnv(root: string, extra: Record<string, string> = {}, offset = TEST_PORT_OFFSET): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SCENARIO_SHORT: '1',
    HARNESS_PORT_OFFSET: String(offset),
    ...pipelinePorts(offset),
    HARNESS_RUN_DIR: path.join(root, 'run'),
    HARNESS_REPORTS_DIR: path.join(root, 'reports'),
    ...extra,
  };
}

/**
 * Calls `ended` once the run in `proc` prints that its load has ended (LOAD_ENDED_LINE), or
 * once it has exited without printing it. `ended` may be called again after that: it must
 * not mind.
 */
export function watchLoadEnd(proc: ManagedProcess, name: string, ended: () => void): void {
  proc.waitForLog(LOAD_ENDED_LINE, `scenario ${name} to end its load`, SCENARIO_COMMAND_TIMEOUT_MS).then(ended, ended);
}

export interface ScenarioCommandOptions {
  /** Port offset of the run's stack and pipeline (default TEST_PORT_OFFSET): runs alive at once each need their own. */
  portOffset?: number;
  /** Called once the run's load has ended (its LOAD_ENDED_LINE), or when it exits without printing it. */
  onLoadEnded?: () => void;
}

export async function runScenarioCommand(pattern: string, command: string, extraEnv: Record<string, string> = {}, opts: ScenarioCommandOptions = {}): Promise<ScenarioCommandRun> {
  const offset = opts.portOffset ?? TEST_PORT_OFFSET;
  const root = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? os.tmpdir(), `scenario-${pattern}-`));
  const env = scenarioEnv(root, extraEnv, offset);
  const proc = ManagedProcess.start({ name: `scenario-${pattern}`, command: 'bash', args: ['-eo', 'pipefail', '-c', command], cwd: REPO_ROOT, logDir: root, env });
  const timer = setTimeout(() => void proc.stop(5_000), SCENARIO_COMMAND_TIMEOUT_MS);
  if (opts.onLoadEnded) watchLoadEnd(proc, pattern, opts.onLoadEnded);
  const exit = await proc.exited.finally(() => clearTimeout(timer));
  opts.onLoadEnded?.();
  const file = path.join(env.HARNESS_REPORTS_DIR!, pattern, 'verdict.json');
  const verdict = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioVerdict) : undefined;
  const dataFile = path.join(path.dirname(file), 'report-data.json');
  const reportData = fs.existsSync(dataFile) ? (JSON.parse(fs.readFileSync(dataFile, 'utf8')) as ReportData) : undefined;
  // Keep the short runs' reports where the other tests' reports are.
  if (verdict) fs.cpSync(path.dirname(file), path.join(REPO_ROOT, 'reports', 'test', pattern + (extraEnv.HARNESS_BREAK_INSTRUMENTATION ? '-broken-instrumentation' : '')), { recursive: true });
  return {
    exit, verdict, reportData, log: tail(proc.logFile, 30), runDir: env.HARNESS_RUN_DIR!,
    left: processesWithEnv(`HARNESS_RUN_DIR=${env.HARNESS_RUN_DIR}`), busyPorts: await busyTestPorts(offset),
  };
}
