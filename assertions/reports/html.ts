/**
 * report.html: one self-contained page per scenario run. The verdict's tables are written
 * here as HTML; the charts and the trace browser are drawn in the page from the run's
 * report data, embedded as JSON, by the inlined charting library and page script. Nothing
 * is fetched: the page's Content-Security-Policy allows no connection at all. Pure: data
 * in, HTML out.
 */
import { Attr, Events, Spans } from '../../target-pipeline/semconv.ts';
import { POLICY_SET_COLUMNS, policySetRows } from '../sampling/lab/table.ts';
import { ALERT_STEP_S, dashboardLines } from '../verdict/dashboard.ts';
import type { ReportAssets } from './assets.ts';
import { CHART_LIBRARY } from './assets.ts';
import { reportCharts, type ChartSpec } from './charts.ts';
import type { ReportData } from './report-data.ts';
import type { ScenarioVerdict } from './types.ts';
import { coverageLines } from './coverage-lines.ts';
import { queueLines } from './queue-lines.ts';

export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
export const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** JSON inside a <script> element: no '<' can close it. */
const embed = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');
const noSourceMap = (s: string): string => s.replace(/\/[*/]# sourceMappingURL=\S+/g, '');

/**
 * Names the page script needs, from the one semantic-conventions module: which spans and
 * attributes carry each pattern's signal (highlighted in the waterfall).
 */
export function pageNames() {
  return {
    root: Spans.pipelineRequest,
    signal_spans: [Spans.dbFallback, Spans.tokenizerInit],
    signal_attributes: [Attr.queueWaitMs, Attr.forwardPassMs, Attr.validationAttempts, Attr.featuresDbLookupMs, Attr.featuresCacheMisses],
    signal_events: [Events.highQueueWait, Events.validationFailed, Events.featuresUnavailable],
  };
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

function table(head: string[], rows: string[][]): string {
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</table>`;
}

function alertsTable(v: ScenarioVerdict): string {
  const d = v.dashboard!;
  const rows = d.rules.map((rule) => {
    const seen = d.alerts.filter((a) => a.alert === rule);
    if (seen.length === 0) return [esc(rule), 'did not fire', '', ''];
    return [esc(rule), seen.map((a) => `${a.first_firing_s >= 0 ? '+' : ''}${a.first_firing_s} s (${a.first_phase})`).join('<br>'),
      seen.map((a) => `${a.firing_evaluations['warm-up']} / ${a.firing_evaluations.fault} / ${a.firing_evaluations.after}`).join('<br>'),
      seen.map((a) => esc(Object.entries(a.labels).filter(([k]) => !['job', 'instance'].includes(k)).map(([k, x]) => `${k}=${x}`).join(', '))).join('<br>')];
  });
  const detected = v.per_fault.map((f) => `${esc(f.fault)}: the detection query found ${f.matched} traces for ${f.faulted} faulted requests`);
  return `<div class="side"><div>${table(['alert rule', `first fired (from the fault phase's start, ${ALERT_STEP_S} s steps)`, 'firing evaluations: warm-up / fault / after', 'labels'], rows)}</div>` +
    `<div><h3>The traces</h3><ul>${detected.map((x) => `<li>${x}</li>`).join('') || '<li>no fault in this run (the control)</li>'}</ul></div></div>`;
}

function chartFigure(c: ChartSpec): string {
  return `<figure class="chart" id="chart-${c.id}" data-chart="${c.id}"><figcaption><b>${esc(c.title)}</b><br><small>${esc(c.caption)}</small></figcaption>` +
    `<div class="ct-host"></div><div class="legend"></div></figure>`;
}

function traceBrowser(d: ReportData): string {
  const faults = [...new Set([...d.faults, ...Object.keys(d.detection)])];
  const opt = (value: string, label: string) => `<option value="${esc(value)}">${esc(label)}</option>`;
  return `<section id="trace-browser"><h2>Trace browser</h2>
<p>Every faulted trace${d.faulted_traces.items.length < d.faulted_traces.total ? ` (${d.faulted_traces.items.length} of ${d.faulted_traces.total}, evenly spaced)` : ''} and ${d.unfaulted_traces.items.length} of the ${d.unfaulted_traces.total} unfaulted ones, as tenant <code>full</code> returned them. Choose one to see its waterfall; a span's row opens its attributes and events.</p>
<div class="filters"><label>fault <select id="filter-fault">${opt('any', 'any')}${opt('none', 'unfaulted')}${faults.map((f) => opt(f, f)).join('')}</select></label>
<label>detection query <select id="filter-match">${opt('any', 'any')}${opt('some', 'matched a query')}${opt('none', 'matched no query')}${Object.entries(d.detection).map(([f, q]) => opt(f, `${f}: ${q}`)).join('')}</select></label>
<span id="trace-count"></span></div>
<div class="browser"><div class="trace-list"><table id="trace-table"><thead><tr><th>t (s)</th><th>trace</th><th>faults</th><th>matched</th><th>latency</th><th>status</th><th>spans</th></tr></thead><tbody></tbody></table></div>
<div id="waterfall"><p>Choose a trace.</p></div></div></section>`;
}

export function renderReport(v: ScenarioVerdict, data: ReportData | undefined, assets: ReportAssets): string {
  const charts = data ? reportCharts(data, v) : [];
  const faults = v.per_fault.map((f) => [esc(f.fault), `<code>${esc(f.detection_query)}</code>`, String(f.faulted), String(f.matched), pct(f.recall), pct(f.precision), pct(f.survival_faulted), pct(f.survival_faulted_seed)]);
  const stages = v.stages.map((s) => [esc(s.stage), s.unfaulted_median_ms?.toFixed(1) ?? 'n/a', s.faulted_median_ms?.toFixed(1) ?? 'n/a']);
  const fails = v.failures.map((m) => `<li><code>${esc(m.path)}</code>: expected ${esc(m.expected)}, got ${esc(m.actual)}</li>`).join('');
  const rows = v.waterfall?.rows ?? [];
  const total = rows[0]?.durationMs || 1;
  const bars = rows.map((r) => [`<span style="padding-left:${r.depth * 16}px">${esc(r.name)}</span><br><small>${esc(r.service)}</small>`,
    `<div class="bar"><div style="margin-left:${(r.startMs / total) * 100}%;width:${Math.max(0.5, (r.durationMs / total) * 100)}%" class="${r.error ? 'err' : ''}"></div></div>`,
    `${r.durationMs.toFixed(1)} ms`, esc(r.notes.join(', '))]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${esc(v.scenario)}: ${v.pass ? 'PASS' : 'FAIL'}</title>
<style>${noSourceMap(assets.chartCss)}</style><style>${assets.pageCss}</style></head><body>
<h1>${esc(v.scenario)} <span class="${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'}</span>${v.short ? ' <small>(short run)</small>' : ''}</h1>
<p><em>${esc(v.question)}</em></p>
<p>${v.requests} requests, ${v.faulted} faulted, ${v.duration_s.toFixed(1)} s, execution provider <b>${esc(v.device)}</b>. Unfaulted traces kept by the baseline: ${pct(v.kept_unfaulted.ratio)} (expected ${pct(v.kept_unfaulted.expected_ratio)}${v.kept_unfaulted.expected_ratio_max === undefined ? '' : ` to ${pct(v.kept_unfaulted.expected_ratio_max)}`}). Retention of all traces: harness ${pct(v.retention.harness)}, seed ${pct(v.retention.seed)}${v.retention_fault_phase ? `; of the fault phase: harness ${pct(v.retention_fault_phase.harness)}, seed ${pct(v.retention_fault_phase.seed)}` : ''}.</p>
${fails ? `<h2>Failed criteria</h2><ul>${fails}</ul>` : ''}
<h2>Surfaced, and kept by tail sampling</h2>${table(['fault', 'detection query', 'faulted', 'matched', 'recall', 'precision', 'kept (harness)', 'kept (seed)'], faults)}
<p>Kept: the faulted traces each set kept (survival), reported. What the verdict judges of tail sampling is the harness set's diagnostic coverage${
  // A verdict.json written before the verdict judged coverage (make report-html DIR=... re-renders old runs).
  v.coverage ? `:</p><pre>${esc(coverageLines(v.coverage).join('\n'))}</pre>` : ', which this older verdict did not measure.</p>'}
${v.policy_sets ? `<h2>Policy sets side by side</h2>${table(POLICY_SET_COLUMNS.map(esc), policySetRows(v.policy_sets).map((r) => r.map(esc)))}` : ''}
${data ? '' : '<p>This run wrote no report data (report-data.json): the charts and the trace browser are missing.</p>'}
<h2>Charts</h2><div class="charts">${charts.map(chartFigure).join('\n')}</div>
${v.per_fault.filter((f) => f.queue).map((f) => `<h2>Queue wait against forward pass</h2><pre>${esc(queueLines(f.queue!, f.recall_mode === 'measured').join('\n'))}</pre>`).join('')}
${v.not_measured?.length ? `<h2>Not measured on this stack (${esc(v.stack ?? 'local')})</h2><ul>${v.not_measured.map((n) => `<li><code>${esc(n.what)}</code>: ${esc(n.why)}</li>`).join('')}</ul>` : ''}
${v.dashboard ? `<h2>What the dashboard said</h2><p>Prometheus's alerts (docker/prometheus/rules.yml) during the run, beside the traces the detection query found. Not judged.</p>${alertsTable(v)}<details><summary>as printed</summary><pre>${esc(dashboardLines(v.dashboard, v.per_fault).join('\n'))}</pre></details>` : ''}
<h2>Per-stage latency (median span duration, ms)</h2>${table(['stage', 'unfaulted', 'faulted'], stages)}
<h2>Slowest faulted trace${v.waterfall ? ` <code>${v.waterfall.trace_id}</code> (${esc(v.waterfall.faults.join(', '))})` : ''}</h2>
${bars.length ? table(['span', '', 'duration', 'notes'], bars) : '<p>no faulted trace</p>'}
${data ? traceBrowser(data) : ''}
<footer><small>Charts drawn by ${CHART_LIBRARY.name} ${esc(assets.chartVersion)} (${CHART_LIBRARY.licence}), inlined.</small></footer>
<script type="application/json" id="report-data">${embed({ ...(data ?? {}), names: pageNames(), slowest: v.waterfall?.trace_id ?? null })}</script>
<script type="application/json" id="report-charts">${embed(charts)}</script>
<script>${noSourceMap(assets.chartJs)}</script>
<script>${assets.pageJs}</script>
</body></html>
`;
}
