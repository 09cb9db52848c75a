/**
 * CPU time of every process of a run, read from /proc: which process spends the cycles a
 * traced request costs. The processes are found, as bench/memory.ts finds them, by the
 * HARNESS_RUN_DIR they inherit; a pipeline service is told apart by its BENCH_SIDE (or
 * HARNESS_TRACING), so the traced and the untraced pipeline of the bench are two groups.
 */
import { forEachRunProcess, nameOf } from './memory.ts';

/** Linux's USER_HZ: utime and stime in /proc/<pid>/stat count in 1/100 s on every common kernel. */
export const CLOCK_TICKS_PER_S = 100;

/** CPU time (user + system, ms) per process, by a name that says what it is, e.g. "on gateway", "otelcol". */
export type CpuSnapshot = Map<string, number>;

/** The group of a process: the pipeline side and service for the pipeline, else the binary or script. */
export function processLabel(cmdline: string[], environ: string[]): string {
  const name = nameOf(cmdline);
  // BENCH_SIDE names the bench's pipeline even where both trace (two settings compared).
  const value = (key: string) => environ.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
  const tracing = value('BENCH_SIDE') ?? value('HARNESS_TRACING');
  // The services run through the fault host, `node faults/host/main.ts <service>`, named "host".
  const service = name === 'host' ? cmdline.at(-1) : undefined;
  return service && tracing ? `${tracing} ${service}` : name;
}

/** utime + stime of /proc/<pid>/stat, in ms (fields 14 and 15, counted after the command's closing parenthesis). */
export function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** The CPU time so far of every process of the run, summed per label. */
export function cpuSnapshot(runDir: string): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  forEachRunProcess(runDir, (p) => {
    const label = processLabel(p.cmdline, p.environ);
    out.set(label, (out.get(label) ?? 0) + cpuMsOfStat(p.read('stat')));
  });
  return out;
}

/** after - before per label (a process that started in between counts from 0). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
}

/** Adds b into a, label by label. */
export function addCpu(a: CpuSnapshot, b: CpuSnapshot): void {
  for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
}
