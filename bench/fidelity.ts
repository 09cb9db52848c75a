/**
 * Load fidelity: does k6 deliver the arrival rate it was asked for? At rising constant
 * arrival rates, the achieved rate and k6's dropped_iterations (arrivals it could not
 * start because every VU was busy: the pipeline is saturated); then the same total load
 * split across two k6 processes with execution segments, run at the same time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '../stack/process.ts';
import { REPO_ROOT, requireTool } from '../stack/tools.ts';

export const FIDELITY_RATES = (process.env.BENCH_FIDELITY_RATES ?? '25,50,100,150,200,300').split(',').map(Number);
export const FIDELITY_S = Number(process.env.BENCH_FIDELITY_S ?? 6);
/** The split run uses this rate: under saturation, so that both processes should reach their share. */
export const SPLIT_RATE = Number(process.env.BENCH_SPLIT_RATE ?? 100);
export const SEGMENTS = ['0:1/2', '1/2:1'];
const SEQUENCE = '0,1/2,1';

export interface FidelityRow {
  target_rps: number;
  processes: number;
  achieved_rps: number;
  achieved_ratio: number;
  iterations: number;
  dropped_iterations: number;
  failed: number;
  p50_ms: number;
  p99_ms: number;
}

async function k6Run(gatewayUrl: string, rate: number, runDir: string, label: string, segment?: string): Promise<Record<string, any>> {
  const summary = path.join(runDir, `k6-${label}.json`);
  const p = ManagedProcess.start({
    name: `k6-${label}`, command: requireTool('k6'), cwd: REPO_ROOT, logDir: path.join(runDir, 'logs'),
    args: ['run', '--summary-export', summary, '--no-color',
      ...(segment ? ['--execution-segment', segment, '--execution-segment-sequence', SEQUENCE] : []),
      path.join(REPO_ROOT, 'bench/load.ts')],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', GATEWAY_URL: gatewayUrl, RATE: String(rate), DURATION: `${FIDELITY_S}s` },
  });
  await p.exited;
  return JSON.parse(fs.readFileSync(summary, 'utf8')).metrics;
}

function row(target: number, parts: Record<string, any>[]): FidelityRow {
  const sum = (f: (m: Record<string, any>) => number) => parts.reduce((a, m) => a + f(m), 0);
  const iterations = sum((m) => m.iterations?.count ?? 0);
  const reqs = sum((m) => m.http_reqs?.count ?? 0);
  return {
    target_rps: target, processes: parts.length,
    achieved_rps: reqs / FIDELITY_S, achieved_ratio: reqs / FIDELITY_S / target, iterations,
    dropped_iterations: sum((m) => m.dropped_iterations?.count ?? 0),
    failed: Math.round(sum((m) => (m.http_req_failed?.value ?? 0) * (m.http_reqs?.count ?? 0))),
    // Percentiles of two processes cannot be merged exactly: the worse one is reported.
    p50_ms: Math.max(...parts.map((m) => m.http_req_duration?.med ?? NaN)),
    p99_ms: Math.max(...parts.map((m) => m.http_req_duration?.['p(99)'] ?? NaN)),
  };
}

export async function loadFidelity(gatewayUrl: string, runDir: string, log: (l: string) => void): Promise<{ rising: FidelityRow[]; split: FidelityRow[] }> {
  const rising: FidelityRow[] = [];
  for (const rate of FIDELITY_RATES) {
    log(`[bench] load fidelity: ${rate}/s, one k6 process`);
    rising.push(row(rate, [await k6Run(gatewayUrl, rate, runDir, `fidelity-${rate}`)]));
  }
  log(`[bench] load fidelity: ${SPLIT_RATE}/s, one process, then split across two with execution segments`);
  const single = row(SPLIT_RATE, [await k6Run(gatewayUrl, SPLIT_RATE, runDir, `split-single-${SPLIT_RATE}`)]);
  const parts = await Promise.all(SEGMENTS.map((s, i) => k6Run(gatewayUrl, SPLIT_RATE, runDir, `split-${i}-${SPLIT_RATE}`, s)));
  return { rising, split: [single, row(SPLIT_RATE, parts)] };
}
