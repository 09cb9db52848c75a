/**
 * The sampling lab as a page (reports/sampling-lab/lab.html, or sweep/lab.html): per policy
 * set, survival and diagnostic coverage against the fault phase's retention, one dot per
 * run (with --sweep, per pattern and intensity level), the coverage goal's retention bound
 * drawn as a line; then the claims and the goal per set. Pure.
 */
import type { LabClaim, LabReport } from '../sampling/lab/report.ts';
import { labGoals } from '../sampling/lab/report.ts';
import { COVERAGE_GOAL } from '../sampling/lab/coverage.ts';
import { coverageScore } from '../sampling/lab/sweep.ts';
import type { ReportAssets } from './assets.ts';
import { htmlTable, renderChartPage } from './chart-page.ts';
import type { ChartSpec, Point } from './charts.ts';

const r = (x: number): number => Number((100 * x).toFixed(2));
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

export function labCharts(rep: LabReport): ChartSpec[] {
  const names = [...new Set(rep.runs.flatMap((x) => x.sets.map((s) => s.set)))];
  const dots = (name: string, y: (s: LabReport['runs'][number]['sets'][number]) => number | null) => {
    const points: Point[] = [];
    const labels: string[] = [];
    for (const run of rep.runs) {
      const s = run.sets.find((x) => x.set === name);
      const v = s ? y(s) : null;
      if (!s || v === null) continue;
      points.push([r(s.retention.fault), r(v)]);
      labels.push(run.pattern);
    }
    return { name, points, labels };
  };
  const bound = COVERAGE_GOAL.max_fault_retention;
  const guide = { name: `goal: retention at most ${pct(bound)}`, points: [[r(bound), 0], [r(bound), 100]] as Point[] };
  const what = rep.sweep ? 'one dot per pattern and intensity level (pattern@level)' : 'one dot per pattern';
  const withFaults = (c: ChartSpec): ChartSpec => ({ ...c, series: c.series.filter((s) => (s.points ?? []).length > 0) });
  return [
    withFaults({
      id: 'lab-survival', title: 'Survival against retention, per policy set', kind: 'scatter',
      x_label: 'retention in the fault phase (% of its requests kept)', y_label: 'survival (% of the lowest fault\'s faulted traces kept)',
      caption: `${what}: up is what a set keeps of the faulted traces (the ledger's, no detection query read), right what it costs. The harness set keeps a budget per bottleneck class, so its survival falls as the incident grows; harness-restated (POLICIES=docker/otelcol/policies/harness-restated.yaml) keeps all its conditions select (they restate the detection queries): 100% by construction where the queries see every faulted request.`,
      series: names.map((n) => dots(n, (s) => s.survival_min)), guides: [guide],
    }),
    withFaults({
      id: 'lab-coverage', title: 'Diagnostic coverage against retention, per policy set', kind: 'scatter',
      x_label: 'retention in the fault phase (%)', y_label: 'coverage (% of the goal\'s whole traces and errors, lowest class)',
      caption: `${what}: 100 where every class had its ${COVERAGE_GOAL.traces_per_min} whole traces a minute (or all) and every error was kept. The goal is the top left corner, left of the line.`,
      series: names.map((n) => dots(n, (s) => coverageScore(s.coverage))), guides: [guide],
    }),
  ].filter((c) => c.series.length > 0);
}

export function renderLabPage(rep: LabReport, claims: LabClaim[], assets: ReportAssets): string {
  const goals = labGoals(rep);
  const sweepRows = rep.sweep?.rows.flatMap((row) => row.sets.map((s) => [
    row.pattern, `${row.level} (aim ${pct(row.target)})`, Object.entries(row.intensity).map(([f, x]) => `${f} ${pct(x!)}`).join(', '),
    s.set, pct(s.survival_min), pct(s.retention_fault), pct(s.coverage_score), s.on_frontier ? 'yes' : '-',
  ])) ?? [];
  return renderChartPage(`Sampling lab${rep.sweep ? ': intensity sweep' : ''}${rep.short ? ' (short)' : ''}`,
    `<p>make sampling-lab${rep.sweep ? ' ARGS=--sweep' : ''}, policy files ${rep.policy_files.join(', ')}; ${rep.runs.length} runs, ${rep.duration_s.toFixed(0)} s. The Markdown beside this page (lab.md) holds every table.</p>`, [
      { heading: 'Charts', charts: labCharts(rep) },
      ...(sweepRows.length ? [{ heading: 'Intensity sweep', html: htmlTable(['pattern', 'level', 'realised intensity', 'set', 'survival', 'retention fault phase', 'coverage', 'on frontier'], sweepRows) }] : []),
      { heading: 'Goal per set', html: htmlTable(['set', 'goal', 'missed'], Object.entries(goals).map(([n, g]) => [n, g.met ? 'met' : 'missed', g.missed.join('; ') || '-'])) },
      { heading: 'Claims', html: htmlTable(['claim', 'holds', 'detail'], claims.map((c) => [c.claim, c.holds ? 'yes' : 'NO', c.detail])) },
      ...(rep.errors.length ? [{ heading: 'Runs that could not run', html: htmlTable(['error'], rep.errors.map((e) => [e])) }] : []),
    ], assets);
}
