import { describe, expect, it } from 'vitest';
import type { Block } from '../../bench/blocks.ts';
import { cpuMsOfStat, processLabel } from '../../bench/cpu.ts';
import { partOfFrame, summariseProfile, type CpuProfile } from '../../bench/cpu-profile.ts';
import { ci, knobErrors, knobs, markSaturated, MIN_ROUNDS, overheadRow, pairsOf, roundsFor } from '../../bench/overhead.ts';
import { SLOT_EDGE_MS, slotOf, slotOfArrival, slotSide } from '../../bench/slots.ts';
import { parseNice, reniceThreads } from '../../bench/backend-nice.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const OTEL = 'file:///repo/node_modules/@opentelemetry';

describe('cpuMsOfStat and processLabel', () => {
  it('should read utime + stime after the command, whatever the command holds', () => {
    // Fields 14 and 15 (utime 250, stime 50 ticks); the command has a space and a parenthesis.
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 0 0';
    expect(cpuMsOfStat(stat)).toBe(3000);
  });

  it('should name a service by its side and id, and anything else by its binary', () => {
    expect(processLabel(['/usr/bin/node', '/repo/faults/host/main.ts', 'gateway'], ['HARNESS_TRACING=off', 'X=1'])).toBe('off gateway');
    expect(processLabel(['/repo/.tools/tempo-v1/tempo', '-config.file=x'], ['HARNESS_TRACING=on'])).toBe('tempo');
    expect(processLabel(['/usr/bin/node', '/repo/faults/host/main.ts', 'inference'], [])).toBe('host');
    // Two traced pipelines compared: the bench's side name wins.
    expect(processLabel(['/usr/bin/node', '/repo/faults/host/main.ts', 'gateway'], ['HARNESS_TRACING=on', 'BENCH_SIDE=off'])).toBe('off gateway');
  });
});

describe('partOfFrame', () => {
  it('should put each OpenTelemetry package in its part', () => {
    expect(partOfFrame('startSpan', `${OTEL}/sdk-trace/dist/Tracer.mjs`)).toBe('spans');
    expect(partOfFrame('onEnd', `${OTEL}/sdk-trace/dist/export/BatchSpanProcessorBase.mjs`)).toBe('span processor');
    expect(partOfFrame('with', `${OTEL}/context-async-hooks/dist/AsyncLocalStorageContextManager.mjs`)).toBe('context');
    expect(partOfFrame('inject', `${OTEL}/core/dist/trace/W3CTraceContextPropagator.mjs`)).toBe('propagation');
    expect(partOfFrame('hrTime', `${OTEL}/core/dist/common/time.mjs`)).toBe('spans');
    expect(partOfFrame('writeSpan', `${OTEL}/otlp-transformer/dist/trace/protobuf/trace-serializer.mjs`)).toBe('export: serialise');
    expect(partOfFrame('toMetric', `${OTEL}/otlp-transformer/dist/metrics/internal.mjs`)).toBe('metrics');
    expect(partOfFrame('send', `${OTEL}/otlp-exporter-base/dist/platform/node/http-transport-utils.mjs`)).toBe('export: send');
    expect(partOfFrame('record', `${OTEL}/sdk-metrics/dist/Instruments.mjs`)).toBe('metrics');
  });

  it('should tell the app from other libraries and leave Node internals and natives to their caller', () => {
    expect(partOfFrame('postJson', 'file:///repo/target-pipeline/service/upstream.ts')).toBe('app');
    expect(partOfFrame('handle', 'file:///repo/node_modules/express/lib/router/layer.js')).toBe('libraries');
    expect(partOfFrame('writeGeneric', 'node:internal/stream_base_commons')).toBeUndefined();
    expect(partOfFrame('stringify', '')).toBeUndefined();
    expect(partOfFrame('(garbage collector)', '')).toBe('gc');
  });
});

describe('summariseProfile', () => {
  // (root) -> timers (node internal) -> BSP export -> serialise -> JSON.stringify (native);
  // (root) -> app handler -> socket write (node internal); (idle).
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 5, 7] },
      { id: 2, callFrame: { functionName: 'listOnTimeout', url: 'node:internal/timers' }, children: [3] },
      { id: 3, callFrame: { functionName: '_flushOneBatch', url: `${OTEL}/sdk-trace/dist/export/BatchSpanProcessorBase.mjs` }, children: [4] },
      { id: 4, callFrame: { functionName: 'serialize', url: `${OTEL}/otlp-transformer/dist/trace/protobuf/trace-serializer.mjs` }, children: [8] },
      { id: 5, callFrame: { functionName: 'handler', url: 'file:///repo/target-pipeline/gateway/service.ts' }, children: [6] },
      { id: 6, callFrame: { functionName: 'writev', url: 'node:internal/stream_base_commons' } },
      { id: 7, callFrame: { functionName: '(idle)', url: '' } },
      { id: 8, callFrame: { functionName: 'stringify', url: '' } },
    ],
    startTime: 1_000,
    endTime: 10_000,
    // Samples 1 ms apart at t = 2000 ... 9000 µs; each stands for the time to the next.
    samples: [6, 3, 8, 4, 7, 6, 3, 7],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };

  it('should charge natives and Node internals to the nearest known caller, and not count idle time', () => {
    const s = summariseProfile(profile);
    expect(s.by_part_ms.app).toBe(2);
    expect(s.by_part_ms['span processor']).toBe(2);
    expect(s.by_part_ms['export: serialise']).toBe(2);
    // The last sample stands for no time (nothing follows it); it is idle anyway.
    expect(s.busy_ms).toBe(6);
  });

  it('should measure the longest back-to-back run of export samples', () => {
    // Samples 2..4 (t = 3000..5000 µs) are export work in a row: 3 ms.
    expect(summariseProfile(profile).longest_export_ms).toBe(3);
  });

  it('should count a sample for at most the cap when the next one came late', () => {
    // The same samples with the fourth gap 10 ms long: uncapped, sample 3 (serialise) stands
    // for 10 ms of which 9 were spent waiting; capped at 1 ms it counts as 1.
    const late = { ...profile, timeDeltas: [1000, 1000, 1000, 1000, 10_000, 1000, 1000, 1000] };
    expect(summariseProfile(late).by_part_ms['export: serialise']).toBe(11);
    expect(summariseProfile(late, -Infinity, Infinity, 1).by_part_ms['export: serialise']).toBe(2);
    expect(summariseProfile(late, -Infinity, Infinity, 1).longest_export_ms).toBe(3);
  });

  it('should count only the samples inside the window', () => {
    const s = summariseProfile(profile, 6_500, 9_000);
    expect(s.by_part_ms.app).toBe(1);
    expect(s.by_part_ms['span processor']).toBe(1);
    expect(s.by_part_ms['export: serialise']).toBe(0);
    expect(s.busy_ms).toBe(2);
  });
});

function block(tracing: 'on' | 'off', round: number, latencies: number[], rps: number, cpu: Record<string, number> = {}): Block {
  return { tracing, round, latencies_ms: latencies, achieved_rps: rps, failed: 0, dropped: 0, cpu_ms: cpu, window_us: [0, 1] };
}

describe('overheadRow', () => {
  it('should pair the blocks of each round whatever order they ran in', () => {
    const blocks = [block('on', 0, [1], 10), block('off', 0, [2], 10), block('off', 1, [3], 10), block('on', 1, [4], 10)];
    expect(pairsOf(blocks, (b) => b.latencies_ms)).toEqual([{ a: [1], b: [2] }, { a: [4], b: [3] }]);
  });

  it('should meet the goal when on and off are the same, and miss it at a steady 5% more latency', () => {
    const lat = (k: number, r: number) => Array.from({ length: 50 }, (_, i) => k * (20 + ((i * 7 + r) % 10)));
    const same = [0, 1, 2, 3].flatMap((r) => [block('on', r, lat(1, r), 100), block('off', r, lat(1, r), 100)]);
    const row = overheadRow(100, same);
    expect(row.p50_ratio).toMatchObject({ ratio: 1, low: 1, high: 1 });
    expect(row.goal_met).toBe(true);
    const slower = [0, 1, 2, 3].flatMap((r) => [block('on', r, lat(1.05, r), 100), block('off', r, lat(1, r), 100)]);
    expect(overheadRow(100, slower).p50_ratio.ratio).toBeCloseTo(1.05, 12);
    expect(overheadRow(100, slower).goal_met).toBe(false);
  });

  it('should miss the goal when throughput falls short even if latency does not', () => {
    const lat = Array.from({ length: 20 }, (_, i) => 20 + i);
    const blocks = [0, 1].flatMap((r) => [block('on', r, lat, 97), block('off', r, lat, 100)]);
    const row = overheadRow(100, blocks);
    expect(row.throughput_ratio.ratio).toBeCloseTo(0.97, 12);
    expect(row.goal_met).toBe(false);
  });

  it('should give CPU per request of the loaded side by service, and the idle side as one', () => {
    const lat = [10, 10];
    const blocks = [
      block('on', 0, lat, 10, { 'on gateway': 4, 'off gateway': 1, tempo: 2 }),
      block('off', 0, lat, 10, { 'on gateway': 0.5, 'off gateway': 3, tempo: 1 }),
    ];
    expect(overheadRow(10, blocks).cpu_ms_per_request).toEqual({
      on: { gateway: 2, tempo: 1, 'the other pipeline (idle)': 0.5 },
      off: { gateway: 1.5, tempo: 0.5, 'the other pipeline (idle)': 0.25 },
    });
  });

  it('should mark a rate saturated when the untraced side queues or k6 falls short, and no other', () => {
    const at = (rate: number, level: number, rps = rate) => overheadRow(rate, [0, 1].flatMap((r) =>
      [block('on', r, [level, level + 1, level + 2], rps), block('off', r, [level, level + 1, level + 2], rps)]));
    const rows = markSaturated([at(10, 30), at(50, 45), at(75, 400), at(100, 50, 97)]);
    expect(rows.map((x) => x.saturated)).toEqual([false, false, true, true]);
  });

  it('should print a ratio with its interval', () => {
    expect(ci({ ratio: 1.0123, low: 1.004, high: 1.0216, level: 0.95, resamples: 10 })).toBe('1.012 [1.004, 1.022]');
  });
});

describe('BENCH_BACKEND_NICE', () => {
  it('should take 0 to 19 and name the setting when given anything else', () => {
    expect(parseNice(undefined)).toBe(0);
    expect(parseNice('19')).toBe(19);
    for (const bad of ['-1', '20', '5.5', 'low']) expect(() => parseNice(bad)).toThrow(`BENCH_BACKEND_NICE=${bad}: an integer from 0 to 19`);
  });

  it('should renice every thread of a process, which its threads then report', () => {
    // A child of this test at its own pid: its one thread goes to nice 7 and /proc says so.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    try {
      expect(reniceThreads([child.pid!], 7)).toBeGreaterThanOrEqual(1);
      const nice = Number(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
      expect(nice).toBe(7);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('should put the setting into the command that reproduces a run only when it is set', () => {
    const base = { rates: [10], rounds: 2, block_s: 3, side_env: { on: {}, off: {} } };
    expect(knobs(base)).toBe('BENCH_RATES=10 BENCH_ROUNDS=2 BENCH_BLOCK_S=3');
    expect(knobs({ ...base, backend_nice: 19 })).toBe('BENCH_BACKEND_NICE=19 BENCH_RATES=10 BENCH_ROUNDS=2 BENCH_BLOCK_S=3');
  });
});

describe('interleaved overhead load (bench/slots.ts, roundsFor, knobs)', () => {
  it('should give each round one slot per side, the order alternating round by round', () => {
    expect([0, 1, 2, 3, 4, 5].map(slotSide)).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('should place an arrival in its slot, or in the slot before when k6 sent it at the end of its side\'s turn', () => {
    const start = 1_000_000;
    expect(slotOf(start - 1, start, 1000)).toBe(-1);
    expect(slotOf(start + 1999, start, 1000)).toBe(1);
    // Slots 2 and 3 are off's and on's: an off request arriving 2 ms into slot 3 was sent in slot 2.
    expect(slotOfArrival(start + 3002, 1, start, 1000, 10)).toBe(2);
    expect(slotOfArrival(start + 1002, 0, start, 1000, 10)).toBe(0);
    expect(slotOfArrival(start + 1500, 1, start, 1000, 10)).toBe(1);
    // Too late for the slot before (SLOT_EDGE_MS): not counted rather than put on the wrong side.
    expect(slotOfArrival(start + 3000 + SLOT_EDGE_MS, 1, start, 1000, 10)).toBeUndefined();
    expect(slotOfArrival(start + 500, 0, start, 1000, 10)).toBe(0);
    // Outside the run's slots, or in neither its slot nor the one before: not counted.
    expect(slotOfArrival(start - 5, 0, start, 1000, 10)).toBeUndefined();
    expect(slotOfArrival(start + 10_500, 1, start, 1000, 10)).toBeUndefined();
  });

  it('should run enough rounds for the requests asked per side, and never fewer than the minimum', () => {
    expect(roundsFor(10, 1, 900)).toBe(90);
    expect(roundsFor(50, 1, 900)).toBe(MIN_ROUNDS);
    expect(roundsFor(50, 1, 900, 7)).toBe(7);
  });

  it('should reproduce an interleaved run by its request count, and an older one by its rounds', () => {
    const base = { rates: [10, 50], rounds: 0, requests_per_side: 900, block_s: 1, side_env: { on: {}, off: {} } };
    expect(knobs(base)).toBe('BENCH_RATES=10,50 BENCH_REQUESTS=900 BENCH_BLOCK_S=1');
    expect(knobs({ ...base, rounds: 7 })).toBe('BENCH_RATES=10,50 BENCH_ROUNDS=7 BENCH_BLOCK_S=1');
  });
});

describe('knobErrors', () => {
  it('should accept the defaults and sensible settings', () => {
    expect(knobErrors({})).toEqual([]);
    expect(knobErrors({ BENCH_RATES: '10,25.5', BENCH_BLOCK_S: '0.5', BENCH_REQUESTS: '900', BENCH_ROUNDS: '' })).toEqual([]);
  });

  it('should name each wrong setting and what it must be', () => {
    expect(knobErrors({ BENCH_RATES: '10,x', BENCH_BLOCK_S: '0', BENCH_REQUESTS: '9.5', BENCH_ROUNDS: '-3' })).toEqual([
      'BENCH_RATES=x: a positive number', 'BENCH_BLOCK_S=0: a positive number', 'BENCH_REQUESTS=9.5: a positive integer', 'BENCH_ROUNDS=-3: a positive integer',
    ]);
  });
});
