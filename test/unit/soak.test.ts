import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { lackingSpans } from '../../assertions/verdict/collect.ts';
import { latencyTrend, ledgerVsTempo, rssGrowth, stageTrends, unfaultedEntries } from '../../bench/soak-checks.ts';
import { loadSoakConfig, SOAK_FILE } from '../../bench/soak-config.ts';
import { faultSchedule } from '../../bench/soak-schedule.ts';

const FAULTS = { 'cache-eviction': 'half', 'gpu-starvation': 'noisy-neighbour', 'output-corruption': '10%', 'tokenizer-reload': 'every-50' };

const entry = (ts: number, latency_ms: number, faults: string[] = [], status = 200): LedgerEntry =>
  ({ seq: ts, trace_id: `t${ts}`, request_id: `r${ts}`, ts, status, latency_ms, faults });

describe('the soak schedule', () => {
  const o = { minutes: 20, interval_s: 60, hold_s: 20, seed: 1, faults: FAULTS };

  it('should hold each fault equally often, in the last hold_s of its slot', () => {
    const w = faultSchedule(o);
    expect(w).toHaveLength(20);
    for (const f of Object.keys(FAULTS)) expect(w.filter((x) => x.fault === f)).toHaveLength(5);
    for (const x of w) {
      expect(x.off_s).toBe((x.slot + 1) * 60);
      expect(x.off_s - x.on_s).toBe(20);
    }
  });

  it('should repeat exactly with the same seed and differ with another', () => {
    expect(faultSchedule(o)).toEqual(faultSchedule(o));
    expect(faultSchedule({ ...o, seed: 2 }).map((x) => x.fault)).not.toEqual(faultSchedule(o).map((x) => x.fault));
  });
});

describe('the soak checks', () => {
  it('should name the traces the ledger has and Tempo lacks, and the reverse', () => {
    const r = ledgerVsTempo(['a', 'b', 'c'], new Set(['a', 'c', 'x']));
    expect(r).toMatchObject({ ledger: 3, tempo: 3, missing: ['b'], unknown: ['x'] });
  });

  it('should pass flat memory and fail memory that grows past the limit', () => {
    const samples = Array.from({ length: 121 }, (_, i) => ({ t_s: i * 10, mb: { tempo: 500 + i * 2, gateway: 100 } }));
    const g = rssGrowth(samples, 300, 1200, 0.1);
    expect(g.find((x) => x.process === 'gateway')).toMatchObject({ growth: 0, pass: true });
    const tempo = g.find((x) => x.process === 'tempo')!;
    expect(tempo.growth).toBeGreaterThan(0.1);
    expect(tempo.pass).toBe(false);
  });

  it('should count as unfaulted only requests with no fault, answered 200, outside every window and its settle time', () => {
    const es = [entry(1000, 10), entry(2000, 10, ['cache-eviction']), entry(5000, 10), entry(6500, 10), entry(9000, 10), entry(9500, 10, [], 500)];
    expect(unfaultedEntries(es, [{ on_ms: 4000, off_ms: 6000 }], 1000).map((e) => e.ts)).toEqual([1000, 9000]);
  });

  it('should find no trend in noise around a level and a trend in a steady rise', () => {
    const start = 0;
    const flat: LedgerEntry[] = [];
    const rising: LedgerEntry[] = [];
    for (let m = 0; m < 20; m++) {
      for (let i = 0; i < 50; i++) {
        const ts = start + m * 60_000 + i * 1000;
        flat.push(entry(ts, 30 + ((i * 7919 + m * 104729) % 11) - 5));
        rising.push(entry(ts, 30 * (1 + m * 0.02) + ((i * 7919) % 5)));
      }
    }
    const f = latencyTrend(flat, start, 5, 0.1);
    expect(f.minutes).toHaveLength(15);
    expect(f.pass).toBe(true);
    const r = latencyTrend(rising, start, 5, 0.1);
    expect(r.rise.estimate).toBeGreaterThan(0.2);
    expect(r.pass).toBe(false);
  });

  it('should refuse a trend over fewer than three minutes', () => {
    expect(() => latencyTrend([entry(0, 1), entry(60_000, 1)], 0, 0, 0.1)).toThrow(/at least 3 minutes/);
  });
});

describe('the soak settings', () => {
  it('should load bench/soak.json and take the overrides from the environment', () => {
    const c = loadSoakConfig(SOAK_FILE, { SOAK_MINUTES: '4', SOAK_SEED: '7' });
    expect(c).toMatchObject({ minutes: 4, seed: 7, rate: 50 });
    expect(c.checks.steady_from_minute).toBe(1);
  });

  it('should name the field of a bad file and a bad override', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
    const file = path.join(dir, 'soak.json');
    const good = JSON.parse(fs.readFileSync(SOAK_FILE, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...good, hold_s: 90 }));
    expect(() => loadSoakConfig(file, {})).toThrow(/hold_s: hold_s must be shorter than interval_s/);
    fs.writeFileSync(file, JSON.stringify({ ...good, faults: { 'cache-eviction': 'off' } }));
    expect(() => loadSoakConfig(file, {})).toThrow(/faults.cache-eviction: variant 'off' switches the fault off/);
    fs.writeFileSync(file, JSON.stringify({ ...good, faults: { 'cache-eviction': 'nope' } }));
    expect(() => loadSoakConfig(file, {})).toThrow(/has no variant 'nope'/);
    expect(() => loadSoakConfig(SOAK_FILE, { SOAK_RATE: 'fast' })).toThrow(/environment: SOAK_RATE/);
  });
});

describe('lackingSpans', () => {
  it('should need a name the contract holds twice twice', () => {
    expect(lackingSpans(['a', 'b', 'b'], ['a', 'b', 'b', 'c'])).toEqual(['c']);
    expect(lackingSpans(['a', 'b'], ['a', 'b', 'b'])).toEqual(['b']);
    expect(lackingSpans(['a', 'b', 'x'], ['a', 'b'])).toEqual([]);
  });
});

describe('stageTrends', () => {
  const minute = (m: number, inference: number) => ({ minute: m, durations: { 'ml.pipeline.request': [10 + inference, 11 + inference], 'ml.inference': [inference, inference + 1], cache_lookup: [0.1, 0.1] } });

  it('should put the stage whose median rises first, with its slope, over the steady minutes only', () => {
    const t = stageTrends([minute(0, 100), minute(1, 2), minute(2, 3), minute(3, 4)], 1);
    expect(t.map((s) => s.stage)).toEqual(['ml.pipeline.request', 'ml.inference', 'cache_lookup']);
    const inf = t.find((s) => s.stage === 'ml.inference')!;
    expect(inf).toMatchObject({ first_ms: 2.5, last_ms: 4.5, n: 6 });
    expect(inf.slope_ms_per_min).toBeCloseTo(1, 9);
    expect(t.find((s) => s.stage === 'cache_lookup')!.slope_ms_per_min).toBeCloseTo(0, 9);
  });

  it('should leave out a stage measured in fewer than 3 minutes', () => {
    const t = stageTrends([minute(1, 1), minute(2, 1), { minute: 3, durations: { 'ml.inference': [1], db_fallback: [5] } }, { minute: 4, durations: { db_fallback: [6] } }], 1);
    expect(t.map((s) => s.stage)).not.toContain('db_fallback');
  });
});
