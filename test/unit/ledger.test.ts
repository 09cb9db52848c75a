import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { FiredLog } from '../../faults/fired.ts';
import { Ledger } from '../../faults/ledger.ts';

const TRACE = (n: number) => n.toString(16).padStart(32, '0');
const entry = (ts: number, trace_id = 'a'.repeat(32)) => ({ trace_id, request_id: 'r', ts, status: 200, latency_ms: 1 });
const ctxOf = (traceId: string) => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '1'.repeat(16), traceFlags: TraceFlags.SAMPLED });

describe('Ledger', () => {
  it('should page by sequence cursor when read repeatedly', () => {
    const l = new Ledger();
    for (let i = 0; i < 5; i++) l.append(entry(i));
    const p1 = l.read({ after: 0, limit: 2 });
    expect(p1.entries.map((e) => e.seq)).toEqual([1, 2]);
    const p2 = l.read({ after: p1.next, limit: 10 });
    expect(p2.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(l.read({ after: p2.next, limit: 10 }).entries).toEqual([]);
  });

  it('should filter by time when given a time cursor', () => {
    const l = new Ledger();
    for (let i = 0; i < 5; i++) l.append(entry(1000 + i));
    expect(l.read({ sinceTs: 1003, limit: 10 }).entries.map((e) => e.ts)).toEqual([1003, 1004]);
  });

  it('should drop the oldest and count them when over capacity', () => {
    const l = new Ledger(3);
    for (let i = 0; i < 5; i++) l.append(entry(i));
    const r = l.read({ limit: 10 });
    expect(r.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(r.dropped).toBe(2);
  });

  it('should join each request with the faults recorded for its trace, sorted and once each, whatever the order', () => {
    const l = new Ledger();
    l.addFired([{ seq: 1, trace_id: TRACE(2), fault: 'tokenizer-reload', ts: 0 }]);
    for (let i = 1; i <= 3; i++) l.append(entry(i, TRACE(i)));
    l.addFired([
      { seq: 2, trace_id: TRACE(2), fault: 'output-corruption', ts: 0 },
      { seq: 3, trace_id: TRACE(2), fault: 'output-corruption', ts: 0 },
    ]);
    expect(l.read({ limit: 10 }).entries.map((e) => e.faults)).toEqual([[], ['output-corruption', 'tokenizer-reload'], []]);
  });
});

describe('FiredLog', () => {
  it('should record the trace id of the context it is given, page by sequence, and count firings outside any trace', () => {
    const log = new FiredLog();
    const rec = log.recorderFor('cache-eviction');
    rec.fired(ctxOf(TRACE(7)));
    rec.fired(ctxOf(TRACE(8)));
    rec.fired(ROOT_CONTEXT);
    const first = log.read(0, 1);
    expect(first.records.map((r) => [r.trace_id, r.fault])).toEqual([[TRACE(7), 'cache-eviction']]);
    const rest = log.read(first.next, 10);
    expect(rest.records.map((r) => r.trace_id)).toEqual([TRACE(8)]);
    expect(rest.unattributed).toBe(1);
    expect(log.read(rest.next, 10).records).toEqual([]);
  });

  it('should keep paging correctly after the oldest records were dropped', () => {
    const log = new FiredLog(2);
    const rec = log.recorderFor('gpu-starvation');
    for (let i = 1; i <= 4; i++) rec.fired(ctxOf(TRACE(i)));
    const r = log.read(0, 10);
    expect(r.records.map((x) => x.seq)).toEqual([3, 4]);
    expect(r.dropped).toBe(2);
    expect(log.read(3, 10).records.map((x) => x.seq)).toEqual([4]);
  });
});
