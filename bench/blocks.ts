/**
 * Tracing on and off measured side by side: two identical pipelines loaded in short
 * blocks at one constant arrival rate, in rounds of two blocks whose order alternates
 * (on, off | off, on | ...), so that a drift of this shared machine's load falls on both
 * sides alike. Each block keeps the gateway's own latencies (the ledger), what k6
 * achieved, and the CPU time every process of the run spent meanwhile (bench/cpu.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AdminClient } from '../faults/admin/client.ts';
import { ManagedProcess } from '../stack/process.ts';
import { REPO_ROOT, requireTool } from '../stack/tools.ts';
import { cpuDelta, cpuSnapshot } from './cpu.ts';

export type Tracing = 'on' | 'off';
export const SIDES: readonly Tracing[] = ['on', 'off'];

export interface K6Block {
  achieved_rps: number;
  failed: number;
  dropped: number;
}

/** One constant-arrival-rate run of bench/load.ts, read back from its --summary-export. */
export async function k6Block(gatewayUrl: string, rate: number, seconds: number, runDir: string, label: string): Promise<K6Block> {
  const summary = path.join(runDir, `k6-${label}.json`);
  const p = ManagedProcess.start({
    name: `k6-${label}`, command: requireTool('k6'), cwd: REPO_ROOT, logDir: path.join(runDir, 'logs'),
    args: ['run', '--summary-export', summary, '--no-color', '--quiet', path.join(REPO_ROOT, 'bench/load.ts')],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', GATEWAY_URL: gatewayUrl, RATE: String(rate), DURATION: `${seconds}s` },
  });
  const exit = await p.exited;
  if (!fs.existsSync(summary)) throw new Error(`k6 (${label}) wrote no summary (exit ${JSON.stringify(exit)}; log: ${p.logFile})`);
  const m = JSON.parse(fs.readFileSync(summary, 'utf8')).metrics;
  return {
    achieved_rps: (m.http_reqs?.count ?? 0) / seconds,
    failed: Math.round((m.http_req_failed?.value ?? 0) * (m.http_reqs?.count ?? 0)),
    dropped: m.dropped_iterations?.count ?? 0,
  };
}

export interface PipelineSide {
  gatewayUrl: string;
  admin: AdminClient;
}

export interface Block extends K6Block {
  tracing: Tracing;
  round: number;
  /** The gateway's latency of every request of the block (the ledger), ms. */
  latencies_ms: number[];
  /** CPU time per process label during the block, ms. */
  cpu_ms: Record<string, number>;
  /** Start and end of the block on the monotonic clock (process.hrtime), µs: what a CPU profile's timestamps read. */
  window_us: [number, number];
}

export interface AlternationOptions {
  rate: number;
  rounds: number;
  blockS: number;
  /** The run folder: k6's summaries and logs go there, and the processes carrying it are the ones whose CPU is read. */
  runDir: string;
  log: (line: string) => void;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The two blocks of each round, on and off, in the order they ran. */
export async function alternatingBlocks(sides: Record<Tracing, PipelineSide>, o: AlternationOptions): Promise<Block[]> {
  const cursor: Record<Tracing, number> = { on: 0, off: 0 };
  for (const side of SIDES) cursor[side] = (await sides[side].admin.ledgerAll()).at(-1)?.seq ?? 0;
  const out: Block[] = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const tracing of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      o.log(`[bench] ${o.rate}/s, round ${round + 1}/${o.rounds}, tracing ${tracing}`);
      const cpu0 = cpuSnapshot(o.runDir);
      const t0 = nowUs();
      const k6 = await k6Block(sides[tracing].gatewayUrl, o.rate, o.blockS, o.runDir, `${tracing}-${o.rate}-${round}`);
      const window_us: [number, number] = [t0, nowUs()];
      const cpu = cpuDelta(cpu0, cpuSnapshot(o.runDir));
      // k6 waits for every request it started before it exits, so the block's entries are all in.
      const entries = await sides[tracing].admin.ledgerAll(cursor[tracing]);
      cursor[tracing] = entries.at(-1)?.seq ?? cursor[tracing];
      out.push({ tracing, round, ...k6, latencies_ms: entries.map((e) => e.latency_ms), cpu_ms: Object.fromEntries(cpu), window_us });
    }
  }
  return out;
}
