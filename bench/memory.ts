/**
 * Peak memory of every process of a run: the processes are found through /proc by the
 * HARNESS_RUN_DIR they inherit, and sampled while the run goes on (VmHWM is each one's
 * own high-water mark; the total is the peak of the sum of VmRSS over the samples).
 */
import fs from 'node:fs';

export const SAMPLE_MS = 250;

export interface MemoryReport {
  /** Peak RSS (VmHWM) per process, MiB, by name (the script or binary). */
  per_process_mb: Record<string, number>;
  /** Highest sum of the processes' RSS seen at one sample, MiB. */
  peak_total_mb: number;
  samples: number;
}

function kb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** A readable name: the TypeScript entry point for the services, else the binary. */
export function nameOf(cmdline: string[]): string {
  const bin = cmdline[0]?.split('/').pop() ?? '?';
  if (bin === 'k6') return 'k6';
  const script = cmdline.find((a) => a.endsWith('.ts'));
  if (script) return script.split('/').slice(-2).join('/').replace(/\/main\.ts$/, '').replace(/\.ts$/, '');
  return bin;
}

/** A process of a run: its id, command line and environment, and a reader of its other /proc files. */
export interface RunProcess {
  pid: string;
  cmdline: string[];
  environ: string[];
  read(file: 'status' | 'stat'): string;
}

/**
 * Visits every process (this one excepted) that inherited the run's HARNESS_RUN_DIR, which
 * is how the samplers of memory and CPU find a run's processes; one gone between listing
 * and reading is skipped.
 */
export function forEachRunProcess(runDir: string, visit: (p: RunProcess) => void): void {
  const needle = `HARNESS_RUN_DIR=${runDir}`;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(needle)) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      visit({ pid, cmdline, environ, read: (file) => fs.readFileSync(`/proc/${pid}/${file}`, 'utf8') });
    } catch {
      // gone between listing and reading
    }
  }
}

/** Starts sampling; stop() returns the report. */
export function sampleMemory(runDir: string): { stop(): MemoryReport } {
  const peak = new Map<string, number>();
  let peakTotal = 0;
  let samples = 0;
  const tick = () => {
    let total = 0;
    forEachRunProcess(runDir, (p) => {
      const status = p.read('status');
      const name = nameOf(p.cmdline);
      total += kb(status, 'VmRSS');
      peak.set(name, Math.max(peak.get(name) ?? 0, kb(status, 'VmHWM')));
    });
    peakTotal = Math.max(peakTotal, total);
    samples++;
  };
  tick();
  const timer = setInterval(tick, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      tick();
      const mb = (k: number) => Math.round(k / 102.4) / 10;
      return { per_process_mb: Object.fromEntries([...peak].sort().map(([k, v]) => [k, mb(v)])), peak_total_mb: mb(peakTotal), samples };
    },
  };
}

/** The RSS of every process of a run now, MiB by name (a service by its own name, not its fault host's). */
export function rssSnapshot(runDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  forEachRunProcess(runDir, (p) => {
    const name = nameOf(p.cmdline) === 'host' ? p.cmdline.at(-1)! : nameOf(p.cmdline);
    out[name] = (out[name] ?? 0) + kb(p.read('status'), 'VmRSS') / 1024;
  });
  return out;
}
