import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait.ts';

/** Grace period between SIGTERM and SIGKILL when stopping a process group. */
export const STOP_GRACE_MS = 10_000;

export interface ProcessSpec {
  /** Short name used in logs, errors and the log file name. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Folder that receives <name>.log (stdout and stderr together). */
  logDir: string;
  /** Keep running after this Node process exits (make stack-up). Default false. */
  detached?: boolean;
  /** SIGTERM-to-SIGKILL grace for this process (default STOP_GRACE_MS). */
  stopGraceMs?: number;
  /** Why a kill after the grace period is expected, so it is not reported as a problem. */
  slowStopReason?: string;
  /**
   * Sent when the grace period of a stop({ dumpOnHang }) runs out, before SIGKILL, to a
   * process that can say where it is stuck: a Go binary writes every goroutine's stack to
   * its log on SIGQUIT and exits. A hang then leaves its evidence in the log.
   */
  hangDumpSignal?: NodeJS.Signals;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It outlived its stop's grace period and was made to exit (hang dump, then SIGKILL). */
  forced?: boolean;
}

/** How long a hang dump may take before SIGKILL. */
const HANG_DUMP_MS = 3_000;

const live = new Set<ManagedProcess>();

/**
 * A harness killed outright (SIGKILL, the OOM killer) runs no exit handler, and Linux
 * hands its children to init instead of stopping them: Tempo and the Collector would
 * hold their ports until someone found them. util-linux's setpriv asks the kernel to
 * SIGKILL the child when its parent dies (PR_SET_PDEATHSIG), then execs the command in
 * the same pid. SIGKILL rather than SIGTERM: nobody is left to read what a graceful stop
 * would flush, and a graceful stop can hang. Where setpriv is missing, the exit handlers
 * below are all there is.
 */
export const PDEATHSIG_WRAPPER: string | undefined = findOnPath('setpriv');

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A child process in its own process group, with its output in a log file. Stopping it
 * signals the whole group, so helpers it started (workers, shells) go with it.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  exit: ExitInfo | undefined;
  /** How long the last stop() took, for the run's timings. */
  stopMs: number | undefined;
  private readonly keepAfterExit: boolean;
  private readonly logStart: number;
  /** SIGTERM-to-SIGKILL grace used by stop(). */
  readonly graceMs: number;
  private readonly slowStopReason: string | undefined;
  private readonly hangDumpSignal: NodeJS.Signals | undefined;
  private forced = false;

  private constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.graceMs = spec.stopGraceMs ?? STOP_GRACE_MS;
    this.slowStopReason = spec.slowStopReason;
    this.hangDumpSignal = spec.hangDumpSignal;
    this.keepAfterExit = spec.detached ?? false;
    fs.mkdirSync(spec.logDir, { recursive: true });
    this.logFile = path.join(spec.logDir, `${spec.name}.log`);
    // The log is appended to (a component restarted in a run keeps one log): what this
    // process wrote starts here.
    this.logStart = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    const log = fs.openSync(this.logFile, 'a');
    const [command, args] = !this.keepAfterExit && PDEATHSIG_WRAPPER
      ? [PDEATHSIG_WRAPPER, ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]]
      : [spec.command, spec.args];
    this.child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, ...(this.forced ? { forced: true } : {}) };
        live.delete(this);
        resolve(this.exit);
      });
      this.child.once('error', (err) => {
        fs.appendFileSync(this.logFile, `\n[harness] failed to start ${spec.command}: ${err.message}\n`);
        this.exit = { code: -1, signal: null };
        live.delete(this);
        resolve(this.exit);
      });
    });
    if (this.keepAfterExit) this.child.unref();
    else live.add(this);
    installExitHandlers();
  }

  static start(spec: ProcessSpec): ManagedProcess {
    return new ManagedProcess(spec);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Waits until the process's log has a line matching `pattern` and returns the match;
   * gives up at once if the process dies, or if `abortIf` finds a reason.
   */
  waitForLog(pattern: RegExp, what: string, timeoutMs: number, abortIf?: () => string | undefined): Promise<RegExpExecArray> {
    return waitFor(() => pattern.exec(this.logText()) ?? undefined, { what: `${what} (log: ${this.logFile})`, timeoutMs, abortIf: () => this.deathReason() ?? abortIf?.() });
  }

  /** What this process has written to its log so far (not what an earlier one did). */
  logText(): string {
    if (!fs.existsSync(this.logFile)) return '';
    return fs.readFileSync(this.logFile).subarray(this.logStart).toString('utf8');
  }

  /** Why this process is no longer usable, or undefined while it runs. */
  deathReason(): string | undefined {
    if (!this.exit) return undefined;
    const how = this.exit.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit.code}`;
    return `${this.name} exited (${how}); last log lines:\n${tail(this.logFile, 15)}`;
  }

  /**
   * SIGTERM to the group, SIGKILL after the grace period (after the hang-dump signal when
   * `dumpOnHang`: a stop whose hang is a finding, not an expected cost); resolves once it is gone.
   */
  async stop(graceMs = this.graceMs, opts: { dumpOnHang?: boolean } = {}): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    const t0 = performance.now();
    signalGroup(this.child.pid, 'SIGTERM');
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      this.forced = true;
      if (!this.slowStopReason) process.stderr.write(`[harness] ${this.name} did not stop within ${graceMs} ms of SIGTERM; killing it (log: ${this.logFile})\n`);
      if (!this.hangDumpSignal || !opts.dumpOnHang) return signalGroup(this.child.pid, 'SIGKILL');
      fs.appendFileSync(this.logFile, `\n[harness] no exit ${graceMs} ms after SIGTERM: ${this.hangDumpSignal} for a dump of where it is stuck, SIGKILL in ${HANG_DUMP_MS} ms\n`);
      signalGroup(this.child.pid, this.hangDumpSignal);
      killTimer = setTimeout(() => signalGroup(this.child.pid, 'SIGKILL'), HANG_DUMP_MS);
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      clearTimeout(killTimer);
      this.stopMs = Math.round(performance.now() - t0);
    }
  }
}

export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

/** True while a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until a pid (not a child of ours) is gone, then SIGKILLs its group if it lingers. */
export async function stopPid(pid: number, name: string, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  try {
    await waitFor(() => (isAlive(pid) ? undefined : true), { what: `${name} (pid ${pid}) to exit`, timeoutMs: graceMs });
  } catch {
    signalGroup(pid, 'SIGKILL');
  }
}

export function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
  } catch {
    return '  | (no log)';
  }
}

let handlersInstalled = false;

/**
 * Ctrl-C, SIGTERM or an exit of this process must not leave children behind: on a
 * signal every live group gets SIGTERM then SIGKILL, on exit a synchronous SIGKILL.
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', () => {
    for (const p of live) signalGroup(p.pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      const all = [...live];
      if (all.length) process.stderr.write(`\n[harness] ${sig}: stopping ${all.map((p) => p.name).join(', ')}\n`);
      void Promise.allSettled(all.map((p) => p.stop(3_000))).then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}

/** Every process started by this Node process and still running (for tests and diagnostics). */
export function liveProcesses(): ManagedProcess[] {
  return [...live];
}
