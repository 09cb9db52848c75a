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
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './cpu.ts';
import { slotOfArrival, slotSide } from './slots.ts';

export type Tracing = 'on' | 'off';
export const SIDES: readonly Tracing[] = ['on', 'off'];

export interface K6Block {
  achieved_rps: number;
  failed: number;
  dropped: number;
}

/** One constant-arrival-rate run of bench/load.ts, read back from its --summary-export. */
export async function k6Block(gatewayUrl: string, rate: number, seconds: number, runDir: string, label: string, seed?: number,
  extraEnv: Record<string, string> = {}): Promise<K6Block> {
  const summary = path.join(runDir, `k6-${label}.json`);
  const p = ManagedProcess.start({
    name: `k6-${label}`, command: requireTool('k6'), cwd: REPO_ROOT, logDir: path.join(runDir, 'logs'),
    args: ['run', '--summary-export', summary, '--no-color', '--quiet', path.join(REPO_ROOT, 'bench/load.ts')],
    env: {
      ...process.env, K6_NO_USAGE_REPORT: 'true', GATEWAY_URL: gatewayUrl, RATE: String(rate), DURATION: `${seconds}s`,
      ...(seed === undefined ? {} : { SEED: String(seed) }), ...extraEnv,
    },
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

/** Round r's load is seeded ROUND_SEED_BASE + r, so a run repeats its inputs exactly. */
export const ROUND_SEED_BASE = 1;

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The two blocks of each round, on and off, in the order they ran. */
export async function alternatingBlocks(sides: Record<Tracing, PipelineSide>, o: AlternationOptions): Promise<Block[]> {
  const cursor: Record<Tracing, number> = { on: 0, off: 0 };
  for (const side of SIDES) cursor[side] = await sides[side].admin.ledgerHead();
  const out: Block[] = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const tracing of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      o.log(`[bench] ${o.rate}/s, round ${round + 1}/${o.rounds}, tracing ${tracing}`);
      const cpu0 = cpuSnapshot(o.runDir);
      const t0 = nowUs();
      // One seed per round, both sides: the same requests in the same order (bench/load.ts).
      const k6 = await k6Block(sides[tracing].gatewayUrl, o.rate, o.blockS, o.runDir, `${tracing}-${o.rate}-${round}`, ROUND_SEED_BASE + round);
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

/**
 * Lead time before the first slot: k6 starts and allocates its VUs in about a second on two
 * cores; arrivals before the first slot send nothing.
 */
export const INTERLEAVE_LEAD_MS = 2_500;

/**
 * Tracing on and off interleaved finely: one k6 run at the rate, its time cut into slots of
 * slotS seconds that load the two pipelines in turn (bench/slots.ts), `rounds` rounds of two
 * slots. A disturbance of the shared machine that lasts seconds (a backend's flush, another
 * tenant) then falls on both sides of a round instead of on one 4 s block, and many short
 * rounds give the bootstrap more to resample than a few long ones. Each slot is a Block:
 * its side's ledger entries that arrived in it, and the CPU every process spent during it
 * (read at each slot's edges).
 */
export async function interleavedBlocks(sides: Record<Tracing, PipelineSide>, o: AlternationOptions): Promise<Block[]> {
  const cursor: Record<Tracing, number> = { on: 0, off: 0 };
  for (const side of SIDES) cursor[side] = await sides[side].admin.ledgerHead();
  const slotMs = o.blockS * 1000;
  const slots = o.rounds * 2;
  const startAt = Date.now() + INTERLEAVE_LEAD_MS;
  // Epoch ms -> the monotonic µs a CPU profile reads.
  const usOf = (epochMs: number) => nowUs() + (epochMs - Date.now()) * 1000;
  const snapshots: CpuSnapshot[] = [];
  let timer: NodeJS.Timeout | undefined;
  const snapAt = (k: number) => {
    timer = setTimeout(() => {
      snapshots[k] = cpuSnapshot(o.runDir);
      if (k < slots) snapAt(k + 1);
    }, Math.max(0, startAt + k * slotMs - Date.now()));
  };
  snapAt(0);
  o.log(`[bench] ${o.rate}/s interleaved: ${o.rounds} rounds of one ${o.blockS} s slot per side (${Math.round((slots * slotMs) / 1000)} s)`);
  let k6: K6Block;
  try {
    const seconds = Math.ceil((INTERLEAVE_LEAD_MS + slots * slotMs) / 1000) + 1;
    k6 = await k6Block(sides.on.gatewayUrl, o.rate, seconds, o.runDir, `interleaved-${o.rate}`, ROUND_SEED_BASE, {
      GATEWAY_URLS: `${sides.on.gatewayUrl},${sides.off.gatewayUrl}`, START_AT: String(startAt), SLOT_MS: String(slotMs), SLOTS: String(slots),
    });
  } finally {
    clearTimeout(timer);
  }
  const latencies: number[][] = Array.from({ length: slots }, () => []);
  const failed = new Array<number>(slots).fill(0);
  let unplaced = 0;
  for (const [i, tracing] of SIDES.entries()) {
    for (const e of await sides[tracing].admin.ledgerAll(cursor[tracing])) {
      const k = slotOfArrival(e.ts, i as 0 | 1, startAt, slotMs, slots);
      if (k === undefined) unplaced++;
      else {
        latencies[k]!.push(e.latency_ms);
        if (e.status !== 200) failed[k]!++;
      }
    }
  }
  if (unplaced > 0) o.log(`[bench] ${o.rate}/s: ${unplaced} ledger entries arrived in no slot of their side (not counted)`);
  return latencies.map((l, k): Block => {
    const tracing = SIDES[slotSide(k)]!;
    const cpu = snapshots[k] && snapshots[k + 1] ? cpuDelta(snapshots[k]!, snapshots[k + 1]!) : new Map<string, number>();
    return {
      tracing, round: Math.floor(k / 2), latencies_ms: l, cpu_ms: Object.fromEntries(cpu),
      achieved_rps: l.length / o.blockS, failed: failed[k]!,
      // k6 counts dropped arrivals for the run, not per side: all on the first slot, so a run that dropped any is saturated.
      dropped: k === 0 ? k6.dropped : 0,
      window_us: [usOf(startAt + k * slotMs), usOf(startAt + (k + 1) * slotMs)],
    };
  });
}
