/**
 * The bench as a page with charts (bench.html, overhead.html), from the same result its
 * JSON and Markdown are written from: latency against rate, traced and untraced (the
 * overhead rounds) and as k6 drove it (load fidelity); and each on/off ratio with its 95%
 * interval beside the goal. Pure.
 */
import type { ReportAssets } from '../assertions/reports/assets.ts';
import { htmlTable, renderChartPage } from '../assertions/reports/chart-page.ts';
import type { ChartSpec, Point } from '../assertions/reports/charts.ts';
import type { FidelityRow } from './fidelity.ts';
import { knobs, methodText, type OverheadResult } from './overhead.ts';

export interface BenchPageInput {
  when?: string;
  /** The overhead goal (bench/overhead.ts; passed in, so that this module imports no values from it). */
  goals: { p50: number; throughput: number };
  tracing_overhead?: OverheadResult;
  load_fidelity?: { rising: FidelityRow[] };
}

const r = (x: number, d = 3): number => Number(x.toFixed(d));

/** Where "off" is a second tracing setting, not tracing off, the caption must say so. */
function sidesText(o: OverheadResult): string {
  return o.side_env.off.HARNESS_TRACING === 'on' ? '; both pipelines trace here: "on" and "off" are the two settings compared' : '';
}
const INTERVAL = '95% interval';

export function benchCharts(b: BenchPageInput): ChartSpec[] {
  const out: ChartSpec[] = [];
  const rows = b.tracing_overhead?.rows ?? [];
  if (rows.length) {
    const rates = rows.map((x) => x.rate);
    out.push({
      id: 'latency-vs-rate', title: 'Latency against rate, tracing on and off', kind: 'scatter', line: true,
      x_label: 'constant arrival rate (requests/s)', y_label: 'ms (the gateway\'s, pooled over the rounds)',
      caption: `The overhead rounds: ${methodText(b.tracing_overhead!)}. Made by \`${knobs(b.tracing_overhead!)} make bench-overhead\`${sidesText(b.tracing_overhead!)}.`,
      series: [
        { name: 'p50, tracing on', points: rows.map((x): Point => [x.rate, r(x.on.p50_ms, 2)]) },
        { name: 'p50, tracing off', points: rows.map((x): Point => [x.rate, r(x.off.p50_ms, 2)]) },
        { name: 'p99, tracing on', points: rows.map((x): Point => [x.rate, r(x.on.p99_ms, 2)]) },
        { name: 'p99, tracing off', points: rows.map((x): Point => [x.rate, r(x.off.p99_ms, 2)]) },
      ],
    });
    const ratio = (key: 'p50_ratio' | 'p99_ratio' | 'throughput_ratio', name: string, offset: number) => ({
      series: { name, points: rows.map((x): Point => [x.rate + offset, r(x[key].ratio, 4)]) },
      guides: rows.map((x) => ({ name: INTERVAL, points: [[x.rate + offset, r(x[key].low, 4)], [x.rate + offset, r(x[key].high, 4)]] as Point[] })),
    });
    // Side by side at each rate, so the intervals do not hide one another.
    const parts = [ratio('p50_ratio', 'p50 on / off', -0.6), ratio('p99_ratio', 'p99 on / off', 0), ratio('throughput_ratio', 'throughput on / off', 0.6)];
    out.push({
      id: 'overhead-ratio', title: 'Tracing overhead: on / off ratios with their 95% intervals', kind: 'scatter',
      x_label: 'constant arrival rate (requests/s)', y_label: 'ratio, tracing on / off',
      caption: `Dot: the ratio of the pooled blocks; vertical segment: its 95% paired block-bootstrap interval. Dashed: 1 (no overhead) and the p50 goal ${b.goals.p50}; throughput's goal is at least ${b.goals.throughput}.`,
      series: parts.map((p) => p.series),
      guides: [
        ...parts.flatMap((p) => p.guides),
        { name: 'no overhead (1)', points: [[Math.min(...rates) - 1, 1], [Math.max(...rates) + 1, 1]] },
        { name: `p50 goal ${b.goals.p50}`, points: [[Math.min(...rates) - 1, b.goals.p50], [Math.max(...rates) + 1, b.goals.p50]] },
      ],
    });
  }
  const fid = b.load_fidelity?.rising ?? [];
  if (fid.length) {
    out.push({
      id: 'fidelity', title: 'Latency against rate as k6 drove it (load fidelity, tracing on)', kind: 'scatter', line: true,
      x_label: 'target rate (requests/s)', y_label: 'ms',
      caption: 'One k6 process at each constant arrival rate: where p50 leaves the flat, requests queue.',
      series: [
        { name: 'p50', points: fid.map((x): Point => [x.target_rps, r(x.p50_ms, 2)]) },
        { name: 'p99', points: fid.map((x): Point => [x.target_rps, r(x.p99_ms, 2)]) },
      ],
    });
  }
  return out;
}

export function renderBenchPage(title: string, b: BenchPageInput, assets: ReportAssets): string {
  const rows = b.tracing_overhead?.rows ?? [];
  const ci = (x: { ratio: number; low: number; high: number }) => `${x.ratio.toFixed(3)} [${x.low.toFixed(3)}, ${x.high.toFixed(3)}]`;
  return renderChartPage(title, `<p>${b.when ? `Run at ${b.when}. ` : ''}The Markdown beside this page holds every table.</p>`, [
    { heading: 'Charts', charts: benchCharts(b) },
    ...(rows.length ? [{ heading: 'Tracing overhead', html: htmlTable(['rate/s', 'p50 ms on / off', 'p50 ratio [95% CI]', 'p99 ratio [95% CI]', 'throughput ratio [95% CI]', 'goal'],
      rows.map((x) => [x.rate, `${x.on.p50_ms.toFixed(1)} / ${x.off.p50_ms.toFixed(1)}`, ci(x.p50_ratio), ci(x.p99_ratio), ci(x.throughput_ratio), x.saturated ? 'saturated (not judged)' : x.goal_met ? 'met' : 'not met'])) }] : []),
  ], assets);
}
