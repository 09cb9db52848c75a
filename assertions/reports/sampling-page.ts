/**
 * The tail-sampling report and the ramp as pages with charts (sampling.html, ramp.html),
 * from the same results their JSON and Markdown are written from: the dose-response of
 * mean validation attempts with the alert levels and the 5xx share, the survival and
 * retention of each policy set per pattern (its frontier: what a set keeps against what
 * it costs), and the ramp's corruption and 5xx per step beside each alert's first firing.
 * Pure.
 */
import type { RampClaim } from '../sampling/ramp-report.ts';
import type { RampResult } from '../sampling/ramp.ts';
import type { SamplingReport } from '../sampling/report.ts';
import type { ReportAssets } from './assets.ts';
import { htmlTable, renderChartPage, type PageSection } from './chart-page.ts';
import type { ChartSpec, Point } from './charts.ts';
import { esc } from './html.ts';

const r = (x: number, d = 3): number => Number(x.toFixed(d));
const pctText = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function level(name: string, y: number, xs: number[]): { name: string; points: Point[] } {
  return { name, points: [[Math.min(...xs), y], [Math.max(...xs), y]] };
}

export function samplingCharts(rep: Pick<SamplingReport, 'survival' | 'dose_response'>): ChartSpec[] {
  const out: ChartSpec[] = [];
  const d = rep.dose_response;
  if (d && d.steps.length) {
    const xs = d.steps.map((s) => r(100 * s.corruption_rate, 2));
    const series = (name: string, ys: number[]) => ({ name, points: ys.map((y, i): Point => [xs[i]!, r(y, 4)]) });
    out.push({
      id: 'dose-response', title: 'Mean validation attempts against corruption rate', kind: 'scatter', line: true,
      x_label: 'outputs corrupted (% of requests, the fault\'s rate)', y_label: 'mean attempts per request',
      caption: 'One k6 run per step; the mean read from Tempo\'s TraceQL metrics, from the exported histogram and from Prometheus\'s stored series (they count the same requests, so equal readings draw one line over another). Dashed: the seed\'s alert level and the early level.',
      series: [series('Tempo (TraceQL metrics)', d.steps.map((s) => s.mean_tempo)), series('exported histogram', d.steps.map((s) => s.mean_metrics)), series('Prometheus', d.steps.map((s) => s.mean_prometheus))],
      guides: [level(`seed's alert level ${d.alert_level}`, d.alert_level, xs), level(`early level ${d.early_level}`, d.early_level, xs)],
    });
    out.push({
      id: 'dose-5xx', title: 'HTTP 5xx share against corruption rate', kind: 'scatter', line: true,
      x_label: 'outputs corrupted (%)', y_label: '5xx (% of requests)',
      caption: 'Requests that failed every validation attempt and answered 5xx, per step (the ledger).',
      series: [{ name: 'HTTP 5xx', points: d.steps.map((s, i): Point => [xs[i]!, r(100 * s.http_error_rate, 3)]) }],
    });
  }
  const rows = rep.survival.filter((s) => s.survival_seed !== null && s.survival_harness !== null);
  if (rows.length) {
    out.push({
      id: 'frontier', title: 'Survival against retention, per policy set', kind: 'scatter',
      x_label: 'retention (% of all traces kept)', y_label: 'survival (% of faulted traces kept)',
      caption: `One dot per pattern and set (${rows.map((s) => s.pattern).join(', ')}): up is what a set keeps of the faulted traces, right is what it costs in stored traces.`,
      series: [
        { name: 'seed', points: rows.map((s): Point => [r(100 * s.retention_seed, 2), r(100 * s.survival_seed!, 2)]), labels: rows.map((s) => s.pattern) },
        { name: 'harness', points: rows.map((s): Point => [r(100 * s.retention_harness, 2), r(100 * s.survival_harness!, 2)]), labels: rows.map((s) => s.pattern) },
      ],
    });
  }
  return out;
}

export function renderSamplingPage(rep: SamplingReport, assets: ReportAssets): string {
  const sections: PageSection[] = [
    { heading: 'Charts', charts: samplingCharts(rep) },
    { heading: 'Survival per pattern', html: htmlTable(['pattern', 'verdict', 'faulted', 'survival (seed)', 'survival (harness)', 'retention (seed)', 'retention (harness)', 'coverage (harness)', 'kept whole'],
      rep.survival.map((s) => [s.pattern, s.pass ? 'PASS' : 'FAIL', s.faulted, pctText(s.survival_seed), pctText(s.survival_harness), pctText(s.retention_seed), pctText(s.retention_harness),
        // A report written before coverage was judged (the fixture) has none.
        s.coverage_harness === undefined ? 'n/a' : s.coverage_harness.met ? 'met' : `missed: ${s.coverage_harness.missed.join('; ')}`, s.kept_whole])) },
    { heading: 'Claims', html: htmlTable(['claim', 'holds', 'detail'], rep.claims.map((c) => [c.claim, c.holds ? 'yes' : 'NO', c.detail])) },
    ...(rep.errors.length ? [{ heading: 'Parts that could not run', html: `<ul>${rep.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` }] : []),
  ];
  return renderChartPage(`Tail sampling${rep.short ? ' (short run)' : ''}`, `<p>make scenario-sampling, ${rep.duration_s.toFixed(0)} s. The Markdown beside this page (sampling.md) holds every table.</p>`, sections, assets);
}

export function rampCharts(ramp: RampResult): ChartSpec[] {
  if (ramp.steps.length === 0) return [];
  const mid = (s: RampResult['steps'][number]) => r((s.start + s.end) / 2 - ramp.ramp_start, 1);
  const share = (n: number, of: number) => (of ? r((100 * n) / of, 2) : 0);
  const fired = ramp.alerts.filter((a) => a.lead_s !== null);
  return [{
    id: 'ramp', title: 'Corruption ramp: corrupted outputs and 5xx per step, and when each alert first fired', kind: 'scatter', line: true,
    x_label: 's from the ramp\'s start (first corrupted step; before it, no fault)', y_label: '% of the step\'s requests',
    caption: `One dot per step at its middle; shaded: each step (its corruption rate); vertical lines: each alert rule's first firing after the ramp began (${ramp.alerts.filter((a) => a.lead_s === null).map((a) => a.alert).join(', ') || 'none'} never fired).`,
    series: [
      { name: 'outputs corrupted', points: ramp.steps.map((s): Point => [mid(s), share(s.outputs_corrupted, s.requests)]) },
      { name: 'HTTP 5xx', points: ramp.steps.map((s): Point => [mid(s), share(s.http_5xx, s.requests)]) },
    ],
    bands: [
      { from: r(ramp.calm_start - ramp.ramp_start, 1), to: 0, label: 'no fault' },
      ...ramp.steps.map((s) => ({ from: r(s.start - ramp.ramp_start, 1), to: r(s.end - ramp.ramp_start, 1), label: `${r(100 * s.corruption_rate, 1)}%` })),
    ],
    markers: fired.map((a) => ({ at: r(a.lead_s!, 1), label: `${a.alert} +${a.lead_s!.toFixed(1)} s` })),
    // From the no-fault phase to the last step's end, or a later first firing (an alert can fire after the ramp).
    x_range: [r(ramp.calm_start - ramp.ramp_start, 1), r(Math.max(...ramp.steps.map((s) => s.end - ramp.ramp_start), ...fired.map((a) => a.lead_s! + 1)), 1)],
  }];
}

export function renderRampPage(ramp: RampResult & { short?: boolean }, claims: RampClaim[], assets: ReportAssets): string {
  return renderChartPage(`Alert lead time over a corruption ramp${ramp.short ? ' (short run)' : ''}`,
    `<p>${ramp.rate}/s, ${ramp.calm_s} s with no fault, then ${ramp.steps.length} steps of ${ramp.step_s} s (make scenario-ramp). ramp.md beside this page holds every table.</p>`, [
      { heading: 'Chart', charts: rampCharts(ramp) },
      { heading: 'Alerts', html: htmlTable(['alert', 'source', `false alarms (of ${ramp.calm_evaluations} no-fault evaluations)`, 'lead time', 'fired during the step at'],
        ramp.alerts.map((a) => [a.alert, a.source ?? '', a.calm_firing, a.lead_s === null ? 'never' : `${a.lead_s.toFixed(1)} s`, a.at_corruption === null ? 'never' : `${r(100 * a.at_corruption, 1)}%`])) },
      { heading: 'Claims', html: htmlTable(['claim', 'holds', 'detail'], claims.map((c) => [c.claim, c.holds ? 'yes' : 'NO', c.detail])) },
    ], assets);
}
