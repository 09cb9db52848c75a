/**
 * Backends on machines of their own, approximated on the bench's two shared cores: every
 * thread of Tempo, the Collector and Prometheus at a lower CPU priority (BENCH_BACKEND_NICE,
 * 0 to 19; 0, the default, leaves them equal to the pipeline). They still get every cycle
 * the pipeline leaves idle, so nothing is dropped or slowed to a stop; a traced request no
 * longer waits behind their work for a core. Comparing a run at 19 with one at 0 says how
 * much of tracing's cost is the backends' CPU and how much is the services' own.
 */
import fs from 'node:fs';
import os from 'node:os';

export const BACKEND_NICE = parseNice(process.env.BENCH_BACKEND_NICE);

export function parseNice(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new Error(`BENCH_BACKEND_NICE=${text}: an integer from 0 to 19`);
  return n;
}

/**
 * Sets the nice value of every thread of each process (Linux's setpriority acts on one
 * thread id). Threads started later inherit it from the thread that starts them, so a call
 * once the processes run and again before measuring covers a Go runtime's threads.
 */
export function reniceThreads(pids: readonly number[], nice: number): number {
  let threads = 0;
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), nice);
        threads++;
      } catch {
        // a thread that ended between listing and renicing
      }
    }
  }
  return threads;
}
