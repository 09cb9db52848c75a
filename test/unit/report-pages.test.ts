import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadReportAssets } from '../../assertions/reports/assets.ts';
import { markCount } from '../../assertions/reports/charts.ts';
import { findRuns, indexRow, renderIndex, writeIndex } from '../../assertions/reports/index-page.ts';
import { rampCharts, renderSamplingPage, samplingCharts } from '../../assertions/reports/sampling-page.ts';
import type { ScenarioVerdict } from '../../assertions/reports/types.ts';
import type { RampResult } from '../../assertions/sampling/ramp.ts';
import type { SamplingReport } from '../../assertions/sampling/report.ts';
import { benchCharts } from '../../bench/html.ts';
import type { OverheadResult } from '../../bench/overhead.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

const verdict = () => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/reports/mixed/verdict.json'), 'utf8')) as ScenarioVerdict;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'report-pages-'));
  dirs.push(d);
  return d;
};

/** Figures shaped like README's dose-response table (0, 5, 10, 20, 30%). */
const DOSE: SamplingReport['dose_response'] = {
  alert_level: 1.3, early_level: 1.02,
  steps: [[0, 1, 0], [0.05, 1.054, 0], [0.1, 1.087, 0], [0.2, 1.22, 1], [0.3, 1.34, 3]].map(([rate, mean, e]) => ({
    corruption_rate: rate!, requests: 241, http_5xx: e!, http_error_rate: e! / 241, mean_tempo: mean!, spans_tempo: 241, mean_metrics: mean!,
    count_metrics: 241, mean_prometheus: mean!, seed_alert_value: mean!, outputs_corrupted: Math.round(rate! * 241),
  })),
  first_crossing: { tempo_alert: 0.3, metrics_alert: 0.3, tempo_early: 0.05, metrics_early: 0.05, prometheus_seed_alert: 0.3, http_errors: 0.2 },
  monotonic: { tempo: true, metrics: true },
};

describe('reports/index.html', () => {
  it('should list every run found one or two folders down, with its figures and a link to its report', () => {
    const root = tmp();
    for (const [dir, v] of [['gpu-queue', { ...verdict(), scenario: 'gpu-queue' }], ['test/mixed', { ...verdict(), pass: false }]] as const) {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      fs.writeFileSync(path.join(root, dir, 'verdict.json'), JSON.stringify(v));
      fs.writeFileSync(path.join(root, dir, 'report.html'), '');
    }
    fs.mkdirSync(path.join(root, 'screenshots'));
    fs.writeFileSync(path.join(root, 'screenshots', 'verdict.json'), '{}');
    const rows = findRuns(root);
    expect(rows.map((r) => [r.folder, r.pattern, r.pass])).toEqual([['gpu-queue', 'gpu-queue', true], [path.join('test', 'mixed'), 'mixed', false]]);
    const html = fs.readFileSync(writeIndex(root), 'utf8');
    expect(html).toContain('<a href="gpu-queue/report.html">');
    expect(html).toContain('<a href="test/mixed/report.html">');
    expect(html).toContain('survival (harness)');
  });

  it('should take survival and retention per set from the policy sets when user sets ran', () => {
    const v = verdict();
    const row = indexRow({ ...v, policy_sets: [{ set: 'team', survival_min: 0.5, retention: { all: 0.2, warmup: 0.1, fault: 0.3 } } as never] }, 'x', '2026-01-01T00:00:00Z', true);
    expect(row.survival).toEqual({ team: 0.5 });
    expect(row.retention).toEqual({ team: 0.2 });
    // The harness set's coverage: missed when a class is short of its whole traces; unknown for a verdict from before it was judged.
    const short = { occurred: 40, intensity: 1, kept: 5, kept_whole: 5, kept_whole_per_min: 15, occurred_per_min: 120, required: 10, met: false };
    const coverage = { fault_phase_s: 20, fault_phase_requests: 40, retention_fault: 0.1, errors: { occurred: 0, kept: 0 }, per_class: { 'cache-eviction': short } };
    expect(indexRow({ ...v, coverage }, 'x', '2026-01-01T00:00:00Z', true).coverage_met).toBe(false);
    expect(indexRow({ ...v, coverage: { ...coverage, per_class: { 'cache-eviction': { ...short, kept_whole: 10, met: true } } } }, 'x', '2026-01-01T00:00:00Z', true).coverage_met).toBe(true);
    expect(indexRow({ ...v, coverage: undefined as never }, 'x', '2026-01-01T00:00:00Z', true).coverage_met).toBe(null);
    expect(renderIndex([], [])).toContain('No scenario run yet');
  });
});

describe('sampling, ramp and bench charts', () => {
  it('should draw the dose-response with both alert levels and the 5xx share, and a frontier dot per pattern and set', () => {
    const survival = [{ pattern: 'cold-start', pass: true, requests: 300, faulted: 240, survival_seed: 0.03, survival_harness: 1, retention_seed: 0.04, retention_harness: 0.5, retention_fault_harness: 0.6, coverage_harness: { met: true, missed: [] }, kept_whole: '', collector_matches_tempo: true }];
    const charts = samplingCharts({ dose_response: DOSE, survival });
    expect(charts.map((c) => c.id)).toEqual(['dose-response', 'dose-5xx', 'frontier']);
    expect(charts[0]!.guides!.map((g) => g.points[0]![1])).toEqual([1.3, 1.02]);
    expect(markCount(charts[0]!)).toBe(3 * 5);
    expect(charts[1]!.series[0]!.points!.at(-1)).toEqual([30, Number((300 / 241).toFixed(3))]);
    expect(charts[2]!.series.map((s) => s.points)).toEqual([[[4, 3]], [[50, 100]]]);
    const html = renderSamplingPage({ short: true, duration_s: 1, survival, dose_response: DOSE, seed_queries: [], late_spans: null, scale_out: null, errors: [], claims: [] }, loadReportAssets());
    expect(html).toContain('id="chart-dose-response"');
  });

  it('should mark each alert\'s first firing on the ramp, and none for a rule that never fired', () => {
    const ramp: RampResult = {
      calm_s: 60, step_s: 30, rate: 15, calm_start: 0, ramp_start: 60, ramp_end: 120, calm_evaluations: 30, first_5xx_at_corruption: 0.1,
      steps: [{ corruption_rate: 0.05, start: 60, end: 90, requests: 450, http_5xx: 0, outputs_corrupted: 29 }, { corruption_rate: 0.1, start: 90, end: 120, requests: 450, http_5xx: 3, outputs_corrupted: 45 }],
      alerts: [{ alert: 'RevalidationEarly', source: 'harness', calm_firing: 0, lead_s: 24, at_corruption: 0.05 }, { alert: 'RevalidationRising', calm_firing: 0, lead_s: null, at_corruption: null }],
    };
    const [c] = rampCharts(ramp);
    expect(c!.markers).toEqual([{ at: 24, label: 'RevalidationEarly +24.0 s' }]);
    expect(c!.x_range).toEqual([-60, 60]);
    expect(c!.series[0]!.points).toEqual([[15, Number((100 * 29 / 450).toFixed(2))], [45, 10]]);
    expect(c!.caption).toContain('RevalidationRising never fired');
  });

  it('should give each overhead ratio its interval as a segment, and latency per rate for both sides', () => {
    const ci = (ratio: number) => ({ ratio, low: ratio - 0.03, high: ratio + 0.04, level: 0.95, resamples: 2000 });
    const side = (p50: number) => ({ achieved_rps: 10, p50_ms: p50, p95_ms: 2 * p50, p99_ms: 3 * p50, requests: 100, failed: 0, dropped: 0 });
    const overhead = { rates: [10, 25], rounds: 3, block_s: 3, bootstrap: { resamples: 2000, seed: 1, level: 0.95 }, side_env: { on: {}, off: {} }, wall_s: 1,
      rows: [10, 25].map((rate) => ({ rate, on: side(30), off: side(28), p50_ratio: ci(1.07), p99_ratio: ci(1.1), throughput_ratio: ci(1), goal_met: false, saturated: false, cpu_ms_per_request: { on: {}, off: {} } })),
    } as unknown as OverheadResult;
    const charts = benchCharts({ tracing_overhead: overhead, goals: { p50: 1.02, throughput: 0.99 } });
    expect(charts.map((c) => c.id)).toEqual(['latency-vs-rate', 'overhead-ratio']);
    expect(markCount(charts[0]!)).toBe(4 * 2);
    const ratio = charts[1]!;
    expect(markCount(ratio)).toBe(3 * 2);
    const segments = ratio.guides!.filter((g) => g.name === '95% interval');
    expect(segments).toHaveLength(3 * 2);
    expect(segments[0]!.points).toEqual([[9.4, 1.04], [9.4, 1.11]]);
    expect(charts[0]!.caption).toContain('`BENCH_RATES=10,25 BENCH_ROUNDS=3 BENCH_BLOCK_S=3 make bench-overhead`');
    expect(charts[0]!.caption).not.toContain('both pipelines trace');
  });

  it('should say in the overhead caption when both pipelines trace (two settings compared, not on and off)', () => {
    const ci = (ratio: number) => ({ ratio, low: ratio, high: ratio, level: 0.95, resamples: 2000 });
    const side = { achieved_rps: 10, p50_ms: 20, p95_ms: 30, p99_ms: 40, requests: 900, failed: 0, dropped: 0 };
    const overhead = { rates: [10], rounds: 0, requests_per_side: 900, method: 'interleaved', block_s: 1, bootstrap: { resamples: 2000, seed: 1, level: 0.95 },
      side_env: { on: {}, off: { HARNESS_TRACING: 'on' } }, wall_s: 1,
      rows: [{ rate: 10, rounds: 90, on: side, off: side, p50_ratio: ci(1), p99_ratio: ci(1), throughput_ratio: ci(1), goal_met: true, saturated: false, cpu_ms_per_request: { on: {}, off: {} } }],
    } as unknown as OverheadResult;
    const caption = benchCharts({ tracing_overhead: overhead, goals: { p50: 1.02, throughput: 0.99 } })[0]!.caption;
    expect(caption).toContain('90 rounds of one 1 s slot each side');
    expect(caption).toContain("BENCH_OFF_ENV='HARNESS_TRACING=on' BENCH_RATES=10 BENCH_REQUESTS=900 BENCH_BLOCK_S=1 make bench-overhead");
    expect(caption).toContain('both pipelines trace here');
  });
});
