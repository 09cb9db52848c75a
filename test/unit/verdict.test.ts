import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { probabilisticKeeps } from '../../assertions/sampling/probabilistic.ts';
import { diagnosticCoverage } from '../../assertions/sampling/lab/coverage.ts';
import { faultVerdict, judge, judgeCoverage, judgeWhole, keptUnfaulted } from '../../assertions/verdict/compute.ts';

let seq = 0;
// Trace ids look random in production; FNV over mostly-zero ids would cluster.
const id = (i: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32);
const entry = (i: number, faults: LedgerEntry['faults'] = [], latency = 20, status = 200): LedgerEntry =>
  ({ seq: ++seq, trace_id: id(i), request_id: `r${i}`, ts: 0, status, latency_ms: latency, faults });

describe('faultVerdict', () => {
  const entries = [entry(1, ['gpu-starvation']), entry(2, ['gpu-starvation']), entry(3), entry(4)];

  it('should give recall, precision and survival of 1 when the query finds exactly the faulted traces and both are kept', () => {
    const all = new Set([id(1), id(2)]);
    const v = faultVerdict('gpu-starvation', 'q', entries, all, all, new Set());
    expect(v).toMatchObject({ faulted: 2, matched: 2, recall: 1, precision: 1, survival_faulted: 1, survival_faulted_seed: 0 });
  });

  it('should lower recall for a missed trace and precision for a false match', () => {
    const v = faultVerdict('gpu-starvation', 'q', entries, new Set([id(1), id(3)]), new Set([id(1)]), new Set());
    expect(v.recall).toBe(0.5);
    expect(v.precision).toBe(0.5);
    expect(v.survival_faulted).toBe(0.5);
    expect(v.missed).toEqual([id(2)]);
    expect(v.false_positives).toEqual([id(3)]);
  });

  it('should ignore matches from outside the run when counting precision', () => {
    const v = faultVerdict('gpu-starvation', 'q', entries, new Set([id(1), id(2), id(999)]), new Set(), new Set());
    expect(v.precision).toBe(1);
  });
});

describe('keptUnfaulted', () => {
  it('should expect exactly the hash-selected unfaulted traces plus the slow and failed ones', () => {
    const es = Array.from({ length: 400 }, (_, i) => entry(1000 + i, [], i === 0 ? 900 : 20, i === 1 ? 502 : 200));
    const predicted = es.filter((e, i) => i < 2 || probabilisticKeeps(e.trace_id, 3)).map((e) => e.trace_id);
    const ok = keptUnfaulted(es, new Set(predicted));
    expect(ok.predicted_missing).toEqual([]);
    expect(ok.within_tolerance).toBe(true);
    const missing = keptUnfaulted(es, new Set(predicted.slice(3)));
    expect(missing.predicted_missing.length).toBeGreaterThan(0);
  });

  it('should expect the unfaulted requests whose spans show a bottleneck signal, and only those', () => {
    const es = Array.from({ length: 400 }, (_, i) => entry(9000 + i));
    // A loaded machine: 60 unfaulted requests queued longer than their forward pass, and the harness set kept them.
    const signalled = new Set(es.slice(0, 60).map((e) => e.trace_id));
    const kept = new Set([...signalled, ...es.filter((e) => probabilisticKeeps(e.trace_id, 3)).map((e) => e.trace_id)]);
    expect(keptUnfaulted(es, kept).within_tolerance).toBe(false);
    expect(keptUnfaulted(es, kept, signalled).within_tolerance).toBe(true);
    // The signal explains those 60, not 60 more.
    const more = new Set([...kept, ...es.slice(60, 120).map((e) => e.trace_id)]);
    expect(keptUnfaulted(es, more, signalled).within_tolerance).toBe(false);
  });

  it('should accept a bounded set that kept none of the signalled requests, as long as the hash and the errors are kept', () => {
    const es = Array.from({ length: 2000 }, (_, i) => entry(70_000 + i, [], 20, i === 5 ? 503 : 200));
    const signalled = new Set(es.slice(0, 300).map((e) => e.trace_id));
    const kept = new Set([es[5]!.trace_id, ...es.filter((e) => probabilisticKeeps(e.trace_id, 3)).map((e) => e.trace_id)]);
    const k = keptUnfaulted(es, kept, signalled);
    expect(k.within_tolerance).toBe(true);
    expect(k.expected_ratio).toBeLessThan(k.expected_ratio_max);
    // Far fewer than the hash selects is still too few, and so are all signalled on top of the hash but twice as many again.
    expect(keptUnfaulted(es, new Set([...kept].slice(0, 2)), signalled).within_tolerance).toBe(false);
    expect(keptUnfaulted(es, new Set([...kept, ...es.slice(0, 600).map((e) => e.trace_id)]), signalled).within_tolerance).toBe(false);
  });

  it('should flag a kept share far from 3% when sampling keeps everything', () => {
    const es = Array.from({ length: 400 }, (_, i) => entry(5000 + i));
    expect(keptUnfaulted(es, new Set(es.map((e) => e.trace_id))).within_tolerance).toBe(false);
  });
});

describe('judge', () => {
  it('should report every failed criterion together with path, expected and actual', () => {
    const v = faultVerdict('tokenizer-reload', 'q', [entry(1, ['tokenizer-reload'])], new Set(), new Set(), new Set());
    const es = [entry(2)];
    const failures = judge([v], keptUnfaulted(es, new Set()), 200, { 'cache-eviction': 3 });
    expect(failures.map((f) => f.path)).toEqual([
      'tokenizer-reload.faulted', 'tokenizer-reload.recall', 'baseline.cache-eviction.matches',
    ]);
    expect(failures[0]).toEqual({ path: 'tokenizer-reload.faulted', expected: '>= 200', actual: '1' });
  });
});

describe('judgeCoverage', () => {
  // 60 s of fault phase at one request a second: the goal asks 30 whole traces of each class.
  const phase = Array.from({ length: 60 }, (_, i) => ({ ...entry(20_000 + i, ['cache-eviction'], 20, i < 3 ? 500 : 200), ts: 1_000 + i * 1000 }));
  const coverage = (kept: string[], split: string[] = []) => diagnosticCoverage({
    entries: phase, faults: ['cache-eviction'], kept: new Set(kept), split: new Set(split), fault_start_ms: 1_000, fault_s: 60,
  });
  const ids = phase.map((e) => e.trace_id);

  it('should pass a class with the goal\'s whole traces per minute and every error kept', () => {
    expect(judgeCoverage(coverage(ids.slice(0, 30)))).toEqual([]);
  });

  it('should fail a class short of its whole traces, counting a split trace as not whole', () => {
    const [m, ...rest] = judgeCoverage(coverage(ids.slice(0, 30), [ids[29]!]));
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ path: 'cache-eviction.coverage', actual: '29 whole (30 kept)' });
    expect(m!.expected).toContain('>= 30 whole traces');
  });

  it('should ask for all of a class that occurred fewer times than the goal', () => {
    const few = diagnosticCoverage({ entries: phase.slice(0, 5), faults: ['cache-eviction'], kept: new Set(ids.slice(0, 4)), split: new Set(), fault_start_ms: 1_000, fault_s: 60 });
    expect(judgeCoverage(few).map((m) => m.path)).toEqual(['cache-eviction.coverage']);
  });

  it('should fail when an error of the fault phase was not kept', () => {
    expect(judgeCoverage(coverage(ids.slice(1, 31))).map((m) => m.path)).toEqual(['coverage.errors']);
  });
});

describe('judgeWhole', () => {
  it('should pass when every kept trace is complete', () => {
    expect(judgeWhole([], 120)).toEqual([]);
  });

  it('should fail naming a split trace and its span counts', () => {
    const [m] = judgeWhole([{ trace_id: 'ab'.repeat(16), full: 9, kept: 4 }], 120);
    expect(m?.path).toBe('kept_whole');
    expect(m?.actual).toContain('1 split');
    expect(m?.actual).toContain('4 of 9 spans');
  });
});
