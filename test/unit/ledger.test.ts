import { describe, expect, it } from 'vitest';
import { Ledger } from '../../faults/ledger.ts';
import { faultsHeaderValue, parseFaultsHeader } from '../../faults/wire.ts';

const entry = (ts: number) => ({ trace_id: 'a'.repeat(32), request_id: 'r', ts, status: 200, latency_ms: 1, faults: [] });

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
});

describe('faults header', () => {
  it('should keep only known fault names when parsing', () => {
    expect(parseFaultsHeader('cache-eviction, bogus,tokenizer-reload')).toEqual(['cache-eviction', 'tokenizer-reload']);
    expect(parseFaultsHeader(null)).toEqual([]);
  });

  it('should write a sorted, de-duplicated list when serialising', () => {
    expect(faultsHeaderValue(['tokenizer-reload', 'cache-eviction', 'cache-eviction'])).toBe('cache-eviction,tokenizer-reload');
  });
});
