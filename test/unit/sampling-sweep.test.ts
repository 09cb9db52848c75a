/**
 * The sampling lab's intensity sweep: its level file checked against patterns.json (and
 * refused, naming the file and the field, where it is not), every shipped level's knobs
 * accepted by its fault's own schema, the cost/coverage frontier of a run, and the
 * sweep's tables and charts drawn from the rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../../faults/registry.ts';
import { diagnosticCoverage } from '../../assertions/sampling/lab/coverage.ts';
import type { SetFigures } from '../../assertions/sampling/lab/measure.ts';
import { labMarkdown, type LabReport } from '../../assertions/sampling/lab/report.ts';
import { coverageScore, loadSweep, specAtLevel, sweepRow, sweepSummary, SWEEP_FILE } from '../../assertions/sampling/lab/sweep.ts';
import { labCharts } from '../../assertions/reports/lab-page.ts';
import { markCount } from '../../assertions/reports/charts.ts';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { PIPELINE_DEFAULTS } from '../../target-pipeline/config.ts';
import type { LedgerEntry } from '../../faults/ledger.ts';

const shipped = JSON.parse(fs.readFileSync(SWEEP_FILE, 'utf8'));

function writeVariant(edit: (x: any) => void): string {
  const x = structuredClone(shipped);
  edit(x);
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-')), 'intensities.json');
  fs.writeFileSync(f, JSON.stringify(x));
  return f;
}

describe('the sweep file', () => {
  it('should give every fault pattern at least three levels, each with the pattern\'s own faults', () => {
    const sw = loadSweep();
    expect(sw.levels.length).toBeGreaterThanOrEqual(3);
    for (const [name, levels] of Object.entries(sw.patterns)) {
      const spec = loadScenario(name, { env: {} });
      for (const l of levels) {
        expect(Object.keys(l.faults).sort(), `${name}@${l.level}`).toEqual(Object.keys(spec.faults).sort());
        const run = specAtLevel(spec, l);
        expect(run).toMatchObject({ name, rate: spec.rate, fault_s: spec.fault_s, faults: l.faults });
      }
    }
    // Every pattern with a fault is swept, except the one that is another's mechanism at another setting.
    const faulted = ['feature-cache', 'gpu-queue', 'silent-revalidation', 'cold-start', 'mixed'];
    expect(Object.keys(sw.patterns).sort()).toEqual(faulted.sort());
  });

  it('should hold knobs each fault\'s own schema accepts (the schema the fault server enables them with)', () => {
    const target = { semaphore: { configured: PIPELINE_DEFAULTS.DEVICE_SLOTS }, maxSeqLen: 128 } as never;
    for (const [name, levels] of Object.entries(loadSweep().patterns)) {
      for (const l of levels) {
        for (const [fault, knobs] of Object.entries(l.faults)) {
          const schema = FAULTS.find((f) => f.name === fault)!.knobs(target);
          const r = schema.safeParse(knobs);
          expect(r.success, `${name}@${l.level} ${fault}: ${r.success ? '' : r.error.issues[0]!.message}`).toBe(true);
        }
      }
    }
  });

  it.each([
    ['an unknown pattern', (x: any) => (x.patterns.nope = x.patterns['cold-start']), /patterns\.nope: unknown scenario 'nope'/],
    ['a pattern with no fault', (x: any) => (x.patterns.baseline = x.patterns['cold-start']), /patterns\.baseline: the pattern injects no fault/],
    ['a missing level', (x: any) => delete x.patterns['cold-start'].mid, /patterns\.cold-start: levels low, high; expected exactly low, mid, high/],
    ['a fault the pattern does not inject', (x: any) => (x.patterns['cold-start'].low = { 'cache-eviction': { mode: 'all' } }), /patterns\.cold-start\.low: faults cache-eviction; the pattern's are tokenizer-reload/],
    ['a target above 1', (x: any) => (x.targets.high = 1.5), /targets\.high: a share of at most 1/],
    ['fewer than three levels', (x: any) => { delete x.targets.mid; for (const p of Object.values<any>(x.patterns)) delete p.mid; }, /targets: 2 level\(s\); a sweep needs at least 3/],
    ['an unknown fault name', (x: any) => (x.patterns['cold-start'].low = { 'disk-full': {} }), /patterns\.cold-start\.low: Unrecognized key: "disk-full"/],
  ])('should refuse %s, naming the file and the field', (_what, edit, message) => {
    const f = writeVariant(edit);
    expect(() => loadSweep(f)).toThrow(new RegExp(`${path.basename(path.dirname(f))}/intensities\\.json: ${message.source}`));
  });
});

const FAULT_START = 1_000;
function entries(faulted: number, unfaulted: number): LedgerEntry[] {
  return Array.from({ length: faulted + unfaulted }, (_, i) => ({
    seq: i + 1, trace_id: `t${i + 1}`, request_id: `r${i + 1}`, ts: FAULT_START, status: 200, latency_ms: 30, faults: i < faulted ? ['gpu-starvation' as const] : [],
  }));
}

/** A set's figures from which traces of a 100-faulted, 100-unfaulted, 20 s fault phase it kept. */
function figures(set: string, kept: string[]): SetFigures {
  const coverage = diagnosticCoverage({ entries: entries(100, 100), faults: ['gpu-starvation'], kept: new Set(kept), split: new Set(), fault_start_ms: FAULT_START, fault_s: 20 });
  const k = kept.filter((id) => Number(id.slice(1)) <= 100).length;
  return {
    set, source: `${set}.yaml`, tenant: set, survival: { 'gpu-starvation': { faulted: 100, kept: k } }, survival_min: k / 100,
    retention: { all: kept.length / 200, warmup: 0, fault: coverage.retention_fault },
    stored: { spans: kept.length * 11, bytes: kept.length * 1000, spans_share_of_full: kept.length / 200, bytes_share_of_full: kept.length / 200 },
    kept_whole: { checked: k, split: 0 }, kept_by_policy: {}, decided: 200, coverage, goal: { met: true, missed: [] },
  };
}
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `t${from + i}`);
const LEVEL = { level: 'high', target: 0.8, faults: {} };

describe('the cost/coverage frontier', () => {
  it('should score coverage as the lowest share of the goal met over classes and errors', () => {
    // 20 s asks for 10 whole traces of the class.
    expect(coverageScore(figures('a', ids(1, 10)).coverage)).toBe(1);
    expect(coverageScore(figures('a', ids(1, 4)).coverage)).toBeCloseTo(0.4);
    expect(coverageScore(figures('a', []).coverage)).toBe(0);
  });

  it('should put on the frontier only the sets no other set beats on both cost and coverage', () => {
    const row = sweepRow('gpu-queue', LEVEL, [
      figures('all', ids(1, 200)), // covers, at 100% retention: beaten by 'cheap'
      figures('cheap', ids(1, 10)), // covers, at 5%
      figures('cheaper', ids(1, 4)), // 2% but short: on the frontier (nothing keeps less)
      figures('wasteful', [...ids(1, 4), ...ids(101, 120)]), // 12%, short: beaten by 'cheaper'
    ]);
    expect(Object.fromEntries(row.sets.map((s) => [s.set, s.on_frontier]))).toEqual({ all: false, cheap: true, cheaper: true, wasteful: false });
    expect(row.intensity).toEqual({ 'gpu-starvation': 0.5 });
    expect(row).toMatchObject({ pattern: 'gpu-queue', level: 'high', target: 0.8, fault_phase_requests: 200 });
    // Equal on both counts: neither beats the other.
    const tie = sweepRow('p', LEVEL, [figures('a', ids(1, 10)), figures('b', ids(1, 10))]);
    expect(tie.sets.every((s) => s.on_frontier)).toBe(true);
  });

  it('should summarise each set\'s worst cost and coverage per level, and draw one dot per run and set', () => {
    const low = sweepRow('gpu-queue', { ...LEVEL, level: 'low', target: 0.05 }, [figures('seed', ids(1, 4)), figures('harness', ids(1, 100))]);
    const high = sweepRow('gpu-queue', LEVEL, [figures('seed', ids(1, 10)), figures('harness', ids(1, 200))]);
    const [seed, harness] = sweepSummary([low, high], ['low', 'high']);
    expect(seed).toMatchObject({ set: 'seed', runs: 2, on_frontier: 2, max_retention_by_level: { low: 0.02, high: 0.05 }, min_coverage_by_level: { low: 0.4, high: 1 } });
    expect(harness).toMatchObject({ set: 'harness', runs: 2, on_frontier: 1, max_retention_by_level: { low: 0.5, high: 1 } });

    const run = (pattern: string, sets: SetFigures[]) => ({ pattern, pass: true, requests: 200, faulted: 100, collector_matches_tempo: true, sets });
    const rep: LabReport = {
      short: false, policy_files: [], sets: [], errors: [], duration_s: 1,
      runs: [run('gpu-queue@low', [figures('seed', ids(1, 4)), figures('harness', ids(1, 100))]), run('gpu-queue@high', [figures('seed', ids(1, 10))])],
      sweep: { file: 'scenarios/intensities.json', levels: ['low', 'high'], rows: [low, high] },
    };
    const charts = labCharts(rep);
    expect(charts.map((c) => c.id)).toEqual(['lab-survival', 'lab-coverage']);
    for (const c of charts) {
      expect(c.series.map((s) => s.name)).toEqual(['seed', 'harness']);
      expect(markCount(c)).toBe(3);
      expect(c.series[0]!.labels).toEqual(['gpu-queue@low', 'gpu-queue@high']);
    }
    const md = labMarkdown(rep, []);
    expect(md).toContain('## Intensity sweep');
    expect(md).toMatch(/\| gpu-queue \| low \(aim 5\.0%\) \| gpu-starvation 50\.0% \| seed \| 4\.0% \| 2\.0% \|/);
    expect(md).toMatch(/\| harness \| 2 \| 1 \| 2 \| 50\.0% \| 100\.0% \|/);
  });
});
