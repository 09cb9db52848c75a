/**
 * A self-contained page of tables and charts (the sampling, ramp and bench reports),
 * drawn by the same inlined library and page script as report.html, with no trace browser
 * and no network. Pure: sections in, HTML out.
 */
import type { ReportAssets } from './assets.ts';
import { CHART_LIBRARY } from './assets.ts';
import type { ChartSpec } from './charts.ts';
import { esc, pageNames } from './html.ts';

export interface PageSection {
  heading: string;
  /** HTML written as it is (tables, paragraphs), escaped by the caller. */
  html?: string;
  charts?: ChartSpec[];
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'";
const embed = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');
const noSourceMap = (s: string): string => s.replace(/\/[*/]# sourceMappingURL=\S+/g, '');

export function htmlTable(head: string[], rows: (string | number)[][]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`).join('\n')}</table>`;
}

export function renderChartPage(title: string, intro: string, sections: PageSection[], assets: ReportAssets): string {
  const charts = sections.flatMap((s) => s.charts ?? []);
  const figure = (c: ChartSpec) => `<figure class="chart" id="chart-${c.id}" data-chart="${c.id}"><figcaption><b>${esc(c.title)}</b><br><small>${esc(c.caption)}</small></figcaption><div class="ct-host"></div><div class="legend"></div></figure>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${esc(title)}</title>
<style>${noSourceMap(assets.chartCss)}</style><style>${assets.pageCss}</style></head><body>
<h1>${esc(title)}</h1>
${intro}
${sections.map((s) => `<h2>${esc(s.heading)}</h2>${s.html ?? ''}${s.charts?.length ? `<div class="charts">${s.charts.map(figure).join('\n')}</div>` : ''}`).join('\n')}
<footer><small>Charts drawn by ${CHART_LIBRARY.name} ${esc(assets.chartVersion)} (${CHART_LIBRARY.licence}), inlined. <a href="../index.html">All reports</a></small></footer>
<script type="application/json" id="report-data">${embed({ names: pageNames() })}</script>
<script type="application/json" id="report-charts">${embed(charts)}</script>
<script>${noSourceMap(assets.chartJs)}</script>
<script>${assets.pageJs}</script>
</body></html>
`;
}
