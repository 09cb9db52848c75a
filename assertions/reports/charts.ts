/**
 * The report's charts as data: each one's points, computed here from the run's report
 * data and verdict, drawn in the page by the charting library (assets/report.js). Every
 * point is one mark (a dot, or a bar), so the browser test can count the marks drawn
 * against the points given. Attribute and span names come from semconv.ts. Pure.
 */
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import type { ReportData, ReportTrace } from './report-data.ts';
import type { ScenarioVerdict } from './types.ts';

export type Point = [number, number];

export interface ChartSeries {
  name: string;
  /** scatter: [x, y] per mark. */
  points?: Point[];
  /** scatter: a text beside each point (which pattern a dot is), in the points' order. */
  labels?: string[];
  /** bar: one value per category; null draws no bar. */
  values?: (number | null)[];
}

export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart shows and where its points come from. */
  caption: string;
  kind: 'scatter' | 'bar';
  x_label: string;
  y_label: string;
  series: ChartSeries[];
  categories?: string[];
  /** Lines drawn without marks (y = x). */
  guides?: { name: string; points: Point[] }[];
  /** Shaded x ranges (the warm-up and fault phases). */
  bands?: { from: number; to: number; label: string }[];
  /** Vertical lines at an x (an alert's first firing). */
  markers?: { at: number; label: string }[];
  /** scatter: join the points with a line (a cumulative count). */
  line?: boolean;
  /** scatter: the x axis's range, when fixed (time from the first request: the run's phases, so charts line up). */
  x_range?: [number, number];
  /** bar: bars along x, categories down the y axis (long span names stay readable). */
  horizontal?: boolean;
}

/** Bins of the latency histograms, log-spaced so that a cold start's second mode shows. */
export const HISTOGRAM_BINS = 24;

/** Marks a chart must hold: one per point, one per non-null bar. */
export function markCount(c: ChartSpec): number {
  return c.series.reduce((a, s) => a + (s.points?.length ?? 0) + (s.values?.filter((v) => v !== null).length ?? 0), 0);
}

const r = (x: number, d = 3): number => Number(x.toFixed(d));

/** Log-spaced bin edges over positive values (linear when they span less than a factor of 2). */
export function binEdges(values: number[], bins = HISTOGRAM_BINS): number[] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [];
  const lo = Math.min(...pos);
  const hi = Math.max(...pos);
  if (hi === lo) return [lo * 0.95, hi * 1.05];
  const log = hi / lo >= 2;
  return Array.from({ length: bins + 1 }, (_, i) => (log ? lo * (hi / lo) ** (i / bins) : lo + ((hi - lo) * i) / bins));
}

/** Counts of `values` per bin of `edges` (the last bin closed). */
export function histogram(values: number[], edges: number[]): number[] {
  const counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  for (const v of values) {
    for (let i = 0; i < counts.length; i++) {
      if (v >= edges[i]! && (v < edges[i + 1]! || (i === counts.length - 1 && v <= edges[i + 1]!))) {
        counts[i]!++;
        break;
      }
    }
  }
  return counts;
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const binLabels = (edges: number[]): string[] => edges.slice(0, -1).map((e) => fmt(e));

function histogramChart(id: string, title: string, caption: string, xLabel: string, groups: { name: string; values: number[] }[]): ChartSpec {
  const edges = binEdges(groups.flatMap((g) => g.values));
  return {
    id, title, caption, kind: 'bar', x_label: xLabel, y_label: 'requests', categories: binLabels(edges),
    series: groups.map((g) => ({ name: g.name, values: histogram(g.values, edges) })),
  };
}

const spansNamed = (t: ReportTrace, name: string) => t.spans.filter((s) => s.name === name);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The run's time axis: from its first request to the fault phase's end or its last request, whichever is later. */
function timeRange(d: ReportData): [number, number] {
  return [0, Math.max(d.phases.warmup_s + d.phases.fault_s, ...d.requests.items.map((q) => q.t_s))];
}

function phaseBands(d: ReportData): ChartSpec['bands'] {
  return [
    { from: 0, to: d.phases.warmup_s, label: 'warm-up' },
    ...(d.faults.length ? [{ from: d.phases.warmup_s, to: d.phases.warmup_s + d.phases.fault_s, label: `fault phase (${d.faults.join(', ')})` }] : []),
  ];
}

function latencyOverTime(d: ReportData): ChartSpec {
  const pts = (faulted: boolean): Point[] => d.requests.items.filter((q) => (q.faults.length > 0) === faulted).map((q) => [q.t_s, q.latency_ms]);
  return {
    id: 'latency-over-time', title: 'Latency over time', kind: 'scatter', x_label: 's from the first request', x_range: timeRange(d), y_label: 'latency (ms, the gateway\'s)',
    caption: `Every request of the ledger${d.requests.items.length < d.requests.total ? ` (${d.requests.items.length} of ${d.requests.total}, evenly spaced)` : ''}, as the gateway's request log timed it; shaded: the warm-up and the fault phase as k6 ran them.`,
    series: [{ name: 'unfaulted', points: pts(false) }, { name: 'faulted', points: pts(true) }],
    bands: phaseBands(d),
  };
}

function latencyDistribution(d: ReportData): ChartSpec {
  const of = (faulted: boolean) => d.requests.items.filter((q) => (q.faults.length > 0) === faulted).map((q) => q.latency_ms);
  return histogramChart('latency-distribution', 'Latency distribution, faulted against unfaulted',
    `Requests per latency bin (log-spaced bins, labelled by their lower edge in ms); a second mode among the faulted requests is the fault's own cost.`,
    'latency (ms, bin start)', [{ name: 'unfaulted', values: of(false) }, { name: 'faulted', values: of(true) }]);
}

function stageBreakdown(v: ScenarioVerdict): ChartSpec {
  return {
    id: 'stage-breakdown', title: 'Per-stage latency (median span duration)', kind: 'bar', x_label: 'ms', y_label: 'span', horizontal: true,
    caption: `Median duration of each span over a sample of faulted and of unfaulted traces (the verdict's stage breakdown); no bar where the span never occurred.`,
    categories: v.stages.map((s) => s.stage),
    series: [
      { name: 'unfaulted', values: v.stages.map((s) => (s.unfaulted_median_ms === null ? null : r(s.unfaulted_median_ms))) },
      { name: 'faulted', values: v.stages.map((s) => (s.faulted_median_ms === null ? null : r(s.faulted_median_ms))) },
    ],
  };
}

// Unfaulted first, as in the request charts, so that each group keeps its colour throughout.
const traceGroups = (d: ReportData) => [
  { name: `unfaulted (sample of ${d.unfaulted_traces.items.length})`, traces: d.unfaulted_traces.items },
  { name: 'faulted', traces: d.faulted_traces.items },
];

function queueAgainstForward(d: ReportData): ChartSpec {
  const series = traceGroups(d).map((g) => ({
    name: g.name,
    points: g.traces.flatMap((t) => spansNamed(t, Spans.inference).flatMap((s): Point[] => {
      const q = num(s.attributes[Attr.queueWaitMs]);
      const f = num(s.attributes[Attr.forwardPassMs]);
      return q === undefined || f === undefined ? [] : [[r(f), r(q)]];
    })),
  }));
  const max = Math.max(1, ...series.flatMap((s) => s.points.flatMap(([x, y]) => [x, y])));
  return {
    id: 'queue-vs-forward', title: `${Attr.queueWaitMs} against ${Attr.forwardPassMs}`, kind: 'scatter',
    x_label: `${Attr.forwardPassMs}`, y_label: `${Attr.queueWaitMs}`,
    caption: `One dot per ${Spans.inference} span of the embedded traces. Above the line y = x the seed's query (queue wait > forward pass) sees the request; on or below it the query cannot.`,
    series, guides: [{ name: 'y = x', points: [[0, 0], [max, max]] }],
  };
}

function dbLookupDistribution(d: ReportData): ChartSpec {
  const groups = traceGroups(d).map((g) => ({
    name: g.name,
    values: g.traces.flatMap((t) => spansNamed(t, Spans.featureExtraction).flatMap((s) => {
      const v = num(s.attributes[Attr.featuresDbLookupMs]);
      return v === undefined || v <= 0 ? [] : [v];
    })),
  }));
  return histogramChart('db-lookup', `${Attr.featuresDbLookupMs} distribution`,
    `${Spans.featureExtraction} spans of the embedded traces with a store lookup (${Spans.dbFallback}), per bin of ${Attr.featuresDbLookupMs}.`,
    `${Attr.featuresDbLookupMs} (bin start)`, groups);
}

function validationOverTime(d: ReportData): ChartSpec {
  return {
    id: 'validation-attempts', title: `${Attr.validationAttempts} over time`, kind: 'scatter', x_label: 's from the first request', x_range: timeRange(d), y_label: 'attempts',
    caption: `One dot per ${Spans.postProcessing} span of the embedded traces; 2 or more is what the detection query and the seed's policy look for.`,
    series: traceGroups(d).map((g) => ({
      name: g.name,
      points: g.traces.flatMap((t) => spansNamed(t, Spans.postProcessing).flatMap((s): Point[] => {
        const a = num(s.attributes[Attr.validationAttempts]);
        return a === undefined ? [] : [[t.t_s, a]];
      })),
    })),
    bands: phaseBands(d),
  };
}

function tokenizerInits(d: ReportData): ChartSpec {
  return {
    id: 'tokenizer-init', title: `${Spans.tokenizerInit} durations`, kind: 'scatter', x_label: 's from the first request', x_range: timeRange(d), y_label: 'ms',
    caption: `One dot per ${Spans.tokenizerInit} span (a tokenizer rebuilt from its files) in the embedded traces, at its request's time.`,
    series: traceGroups(d).map((g) => ({
      name: g.name,
      points: g.traces.flatMap((t) => spansNamed(t, Spans.tokenizerInit).map((s): Point => [t.t_s, s.duration_ms])),
    })),
    bands: phaseBands(d),
  };
}

/** The chart proper to each fault's pattern. */
export const PATTERN_CHARTS: Record<string, (d: ReportData) => ChartSpec> = {
  'gpu-starvation': queueAgainstForward,
  'cache-eviction': dbLookupDistribution,
  'output-corruption': validationOverTime,
  'tokenizer-reload': tokenizerInits,
};

/** Survival of faulted traces per policy set: the seed's, the harness's and any user set. */
function survival(v: ScenarioVerdict): ChartSpec | undefined {
  if (v.per_fault.length === 0) return undefined;
  const faults = v.per_fault.map((f) => f.fault);
  const sets = v.policy_sets
    ? v.policy_sets.map((s) => ({ name: s.set, values: faults.map((f) => { const x = s.survival[f]; return x && x.faulted ? r((100 * x.kept) / x.faulted, 2) : null; }) }))
    : [
        { name: 'seed', values: v.per_fault.map((f) => r(100 * f.survival_faulted_seed, 2)) },
        { name: 'harness', values: v.per_fault.map((f) => r(100 * f.survival_faulted, 2)) },
      ];
  return {
    id: 'survival', title: 'Survival of faulted traces per policy set', kind: 'bar', x_label: 'fault', y_label: '% of faulted requests kept',
    caption: 'Faulted requests (the ledger) whose trace the set\'s tail sampler kept, per fault.', categories: faults, series: sets,
  };
}

function retention(v: ScenarioVerdict): ChartSpec {
  const sets = v.policy_sets
    ? v.policy_sets.map((s) => ({ name: s.set, values: [r(100 * s.retention.all, 2), r(100 * s.retention.warmup, 2), r(100 * s.retention.fault, 2)] }))
    : [{ name: 'seed', values: [r(100 * v.retention.seed, 2)] }, { name: 'harness', values: [r(100 * v.retention.harness, 2)] }];
  return {
    id: 'retention', title: 'Retention per policy set', kind: 'bar', x_label: 'requests', y_label: '% of traces kept',
    caption: 'Share of the run\'s traces each set kept: the cost side of survival.',
    categories: v.policy_sets ? ['all', 'warm-up', 'fault phase'] : ['all requests'], series: sets,
  };
}

/** Faulted traces the detection queries found, counted as the requests came, beside each alert's first firing. */
function detectionAgainstAlerts(d: ReportData, v: ScenarioVerdict): ChartSpec | undefined {
  if (!v.dashboard || d.faults.length === 0) return undefined;
  let n = 0;
  const points: Point[] = d.requests.items.filter((q) => q.faults.some((f) => q.matched.includes(f))).map((q) => [q.t_s, ++n]);
  const faultStart = v.dashboard.phases.fault_start - d.phases.start_ms / 1000;
  const markers = v.dashboard.alerts.map((a) => ({ at: r(faultStart + a.first_firing_s, 1), label: `${a.alert} first fired` }));
  return {
    id: 'detection-vs-alerts', title: 'What the traces showed against what the dashboard said', kind: 'scatter', line: true,
    x_label: 's from the first request', x_range: timeRange(d), y_label: 'faulted traces found (cumulative)',
    caption: `Faulted requests whose trace matched their fault's detection query, counted in request order; vertical lines: each Prometheus alert's first firing evaluation${v.dashboard.alerts.length ? '' : ' (no alert fired during the run)'}.`,
    series: [{ name: 'found by the detection query', points }], bands: phaseBands(d), markers,
  };
}

export function reportCharts(d: ReportData, v: ScenarioVerdict): ChartSpec[] {
  return [
    latencyOverTime(d),
    latencyDistribution(d),
    stageBreakdown(v),
    ...d.faults.flatMap((f) => (PATTERN_CHARTS[f] ? [PATTERN_CHARTS[f](d)] : [])),
    ...[survival(v)].filter((c): c is ChartSpec => c !== undefined),
    retention(v),
    ...[detectionAgainstAlerts(d, v)].filter((c): c is ChartSpec => c !== undefined),
  ];
}
