import { describe, expect, it } from 'vitest';
import { loadSamplingConfig } from '../../assertions/sampling/config.ts';
import { judgeClaims, renderMarkdown, type SamplingReport, type SurvivalRow } from '../../assertions/sampling/report.ts';
import type { DoseResponse } from '../../assertions/sampling/dose-response.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const row = (pattern: string, faulted: number, seed: number | null, harness: number | null, retention = 0.5, missed: string[] = []): SurvivalRow => ({
  pattern, pass: true, requests: 300, faulted, survival_seed: seed, survival_harness: harness,
  retention_seed: retention, retention_harness: retention, retention_fault_harness: retention, coverage_harness: { met: missed.length === 0, missed },
  kept_whole: `${faulted}/${faulted}`, collector_matches_tempo: true,
});

const dose = (means: number[], errors: number[]): DoseResponse => ({
  alert_level: 1.3, early_level: 1.02,
  steps: means.map((m, i) => ({ corruption_rate: [0, 0.05, 0.1, 0.2, 0.3][i]!, requests: 240, http_5xx: errors[i]!, http_error_rate: errors[i]! / 240, mean_tempo: m, spans_tempo: 240, mean_metrics: m, count_metrics: 240, mean_prometheus: m, seed_alert_value: m, outputs_corrupted: 0 })),
  first_crossing: { tempo_alert: 0.3, metrics_alert: 0.3, tempo_early: 0.05, metrics_early: 0.05, prometheus_seed_alert: 0.3, http_errors: 0.2 },
  monotonic: { tempo: true, metrics: true },
});

function report(over: Partial<Omit<SamplingReport, 'claims'>> = {}): Omit<SamplingReport, 'claims'> {
  return {
    short: false, duration_s: 1, errors: [], seed_queries: [], late_spans: null, scale_out: null, dose_response: null,
    survival: [row('baseline', 0, null, null, 0.04), row('cold-start', 240, 0.03, 1), row('gpu-queue', 300, 0.05, 1)],
    ...over,
  };
}

describe('judgeClaims', () => {
  it('should hold every claim on figures like the measured ones', () => {
    const claims = judgeClaims(report({ dose_response: dose([1, 1.05, 1.1, 1.22, 1.36], [0, 0, 0, 1, 3]) }));
    expect(claims.filter((c) => !c.holds)).toEqual([]);
    expect(claims.map((c) => c.claim)).toContain('the seed\'s set loses most cold-start traces');
  });

  it('should hold the harness claim on coverage whatever the survival, and fail it naming the pattern and class that missed', () => {
    const held = judgeClaims(report({ survival: [row('gpu-queue', 300, 0.05, 0.07, 0.07)] })).find((x) => x.claim.startsWith('the harness set keeps'));
    expect(held).toMatchObject({ holds: true, detail: 'gpu-queue met at 7.0% fault-phase retention (survival 7.0%)' });
    const missed = judgeClaims(report({ survival: [row('gpu-queue', 300, 0.05, 0.02, 0.02, ['gpu-starvation.coverage: 6 whole (6 kept), expected >= 10'])] }))
      .find((x) => x.claim.startsWith('the harness set keeps'));
    expect(missed?.holds).toBe(false);
    expect(missed?.detail).toContain('gpu-queue: gpu-starvation.coverage: 6 whole');
  });

  it('should fail the retention claim far outside 3-8% and pass just under 3% within binomial noise', () => {
    const far = judgeClaims(report({ survival: [row('baseline', 0, null, null, 0.2)] })).find((x) => x.claim.includes('3 to 8%'));
    expect(far?.holds).toBe(false);
    const near = judgeClaims(report({ survival: [row('baseline', 0, null, null, 0.025)] })).find((x) => x.claim.includes('3 to 8%'));
    expect(near?.holds).toBe(true);
    expect(near?.detail).toContain('outside 3-8%');
  });

  it('should fail when the two readings of the mean disagree or fall back', () => {
    const d = dose([1, 1.05, 1.04, 1.22, 1.36], [0, 0, 0, 0, 0]);
    d.monotonic.tempo = false;
    d.steps[2]!.mean_metrics = 1.06;
    const claims = judgeClaims(report({ dose_response: d }));
    expect(claims.find((c) => c.claim.startsWith('mean validation attempts rises'))?.holds).toBe(false);
    expect(claims.find((c) => c.claim.includes('same mean'))?.holds).toBe(false);
    // Prometheus alone disagreeing fails it too.
    const p = dose([1, 1.05, 1.1, 1.22, 1.36], [0, 0, 0, 0, 0]);
    p.steps[3]!.mean_prometheus = 1.2;
    expect(judgeClaims(report({ dose_response: p })).find((c) => c.claim.includes('same mean'))?.detail).toContain('vs 1.2000');
  });

  it('should report a part that did not run as a failed claim', () => {
    expect(judgeClaims(report({ errors: ['scale-out: port 4317 in use'] })).at(-1)).toEqual({ claim: 'every part ran', holds: false, detail: 'scale-out: port 4317 in use' });
  });
});

describe('renderMarkdown', () => {
  it('should print the survival table for both sets and the early-warning table', () => {
    const partial = report({ dose_response: dose([1, 1.05, 1.1, 1.22, 1.36], [0, 0, 0, 1, 3]) });
    const md = renderMarkdown({ ...partial, claims: judgeClaims(partial) });
    expect(md).toContain('| cold-start | pass | 300 | 240 | 3.0% | 100.0% |');
    expect(md).toContain('| 30.0% | 240 | 0 | 1.360 | 1.360 | 1.360 | 1.360 | 3 (1.3%) |');
    expect(md).toContain('First crossing of 1.3: TraceQL metrics at 30.0%');
  });
});

describe('loadSamplingConfig', () => {
  it('should load the committed file, short and full', () => {
    expect(loadSamplingConfig().dose_response.corruption_rates).toEqual([0, 0.05, 0.1, 0.2, 0.3]);
    expect(loadSamplingConfig({ short: true }).dose_response.step_s).toBeLessThan(loadSamplingConfig().dose_response.step_s);
  });

  it('should name the bad field of a broken file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sampling-cfg-'));
    const file = path.join(dir, 'sampling.json');
    const good = JSON.parse(fs.readFileSync(new URL('../../scenarios/sampling.json', import.meta.url), 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...good, dose_response: { ...good.dose_response, corruption_rates: [0, 0.2, 0.1] } }));
    expect(() => loadSamplingConfig({ file })).toThrow(/dose_response\.corruption_rates: must rise step by step/);
    fs.writeFileSync(file, JSON.stringify({ ...good, survival_patterns: ['gpu-queue', 'gpu-qeue'] }));
    expect(() => loadSamplingConfig({ file })).toThrow(/unknown pattern 'gpu-qeue'/);
  });
});
