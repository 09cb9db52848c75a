import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { loadReportAssets } from '../../assertions/reports/assets.ts';
import { binEdges, histogram, markCount, reportCharts } from '../../assertions/reports/charts.ts';
import { compactTrace } from '../../assertions/reports/compact-trace.ts';
import { renderReport } from '../../assertions/reports/html.ts';
import {
  buildReportData, evenly, REPORT_MAX_FAULTED_TRACES, REPORT_MAX_REQUESTS, REPORT_UNFAULTED_TRACES, unfaultedSample, type ReportData,
} from '../../assertions/reports/report-data.ts';
import type { ScenarioVerdict } from '../../assertions/reports/types.ts';
import type { OtlpTrace } from '../../assertions/tempo/client.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { Attr, Events, Spans } from '../../target-pipeline/semconv.ts';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/reports/mixed');
const fixture = () => ({
  verdict: JSON.parse(fs.readFileSync(path.join(FIXTURE, 'verdict.json'), 'utf8')) as ScenarioVerdict,
  data: JSON.parse(fs.readFileSync(path.join(FIXTURE, 'report-data.json'), 'utf8')) as ReportData,
});

const hex = (i: number, n: number) => i.toString(16).padStart(n, '0');
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);
const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } });

/** A trace as Tempo returns it: a root, an inference span under it, a post-processing span with an event. */
function trace(i: number, queueMs: number): OtlpTrace {
  const tid = hex(i, 32);
  return {
    resourceSpans: [
      { resource: { attributes: [attr('service.name', 'ml.inference')] }, scopeSpans: [{ spans: [
        { traceId: tid, spanId: hex(2, 16), parentSpanId: hex(1, 16), name: Spans.inference, kind: 'SPAN_KIND_INTERNAL', startTimeUnixNano: ns(5), endTimeUnixNano: ns(15),
          attributes: [attr(Attr.queueWaitMs, queueMs), attr(Attr.forwardPassMs, 9.5)] },
      ] }] },
      { resource: { attributes: [attr('service.name', 'ml.api_gateway')] }, scopeSpans: [{ spans: [
        { traceId: tid, spanId: hex(3, 16), parentSpanId: hex(1, 16), name: Spans.postProcessing, kind: 'SPAN_KIND_SERVER', startTimeUnixNano: ns(16), endTimeUnixNano: ns(20),
          attributes: [attr(Attr.validationAttempts, 2)], status: { code: 'STATUS_CODE_ERROR', message: 'gave up' },
          events: [{ name: Events.validationFailed, timeUnixNano: ns(17), attributes: [attr('reason', 'truncated'), { key: 'ids', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } as never }] }] },
        { traceId: tid, spanId: hex(1, 16), name: Spans.pipelineRequest, kind: 'SPAN_KIND_SERVER', startTimeUnixNano: ns(1), endTimeUnixNano: ns(21) },
      ] }] },
    ],
  };
}

const entry = (i: number, faults: string[], ts = 1_000 + i * 100): LedgerEntry =>
  ({ seq: i, trace_id: hex(i, 32), request_id: `r${i}`, ts, status: 200, latency_ms: 20 + i, faults });

describe('compactTrace', () => {
  const t = compactTrace(trace(1, 30));

  it('should list the spans depth first, children in start order, with their parents\' indices', () => {
    expect(t.spans.map((s) => [s.name, s.depth, s.parent])).toEqual([[Spans.pipelineRequest, 0, -1], [Spans.inference, 1, 0], [Spans.postProcessing, 1, 0]]);
  });

  it('should give times in ms from the first span, every attribute, events, kind and status', () => {
    const [root, inf, post] = t.spans;
    expect(root).toMatchObject({ start_ms: 0, duration_ms: 20, kind: 'server', status: 'unset', service: 'ml.api_gateway' });
    expect(inf).toMatchObject({ start_ms: 4, duration_ms: 10, kind: 'internal', attributes: { [Attr.queueWaitMs]: 30, [Attr.forwardPassMs]: 9.5 } });
    expect(post).toMatchObject({ status: 'error', status_message: 'gave up', events: [{ name: Events.validationFailed, at_ms: 16, attributes: { reason: 'truncated', ids: 'a, b' } }] });
    expect(Object.keys(t.resources).sort()).toEqual(['ml.api_gateway', 'ml.inference']);
  });
});

describe('buildReportData', () => {
  it('should keep every request and faulted trace under the bounds, and which queries matched each', () => {
    const entries = [entry(1, []), entry(2, ['gpu-starvation']), entry(3, ['gpu-starvation', 'output-corruption']), entry(4, [])];
    const d = buildReportData({
      scenario: 'mixed', short: true, warmup_s: 2, fault_s: 6, faults: ['gpu-starvation', 'output-corruption'], detection: { 'gpu-starvation': 'q1', 'output-corruption': 'q2' },
      entries, matched: new Map([['gpu-starvation', new Set([hex(2, 32), hex(3, 32)])], ['output-corruption', new Set([hex(3, 32), hex(4, 32)])]]),
      traces: new Map([[hex(2, 32), trace(2, 30)], [hex(3, 32), trace(3, 1)], [hex(4, 32), trace(4, 1)]]),
    });
    expect(d.phases).toEqual({ start_ms: 1_100, warmup_s: 2, fault_s: 6 });
    expect(d.requests.items.map((r) => [r.t_s, r.matched])).toEqual([[0, []], [0.1, ['gpu-starvation']], [0.2, ['gpu-starvation', 'output-corruption']], [0.3, ['output-corruption']]]);
    expect(d.faulted_traces).toMatchObject({ total: 2 });
    expect(d.faulted_traces.items.map((t) => t.spans.length)).toEqual([3, 3]);
    // Request 1's trace was not fetched: the unfaulted list holds what was.
    expect(d.unfaulted_traces.total).toBe(2);
    expect(d.unfaulted_traces.items.map((t) => t.trace_id)).toEqual([hex(4, 32)]);
  });

  it('should thin a list over its bound evenly, keeping the first and the order', () => {
    expect(evenly([1, 2, 3, 4, 5, 6], 3)).toEqual([1, 3, 5]);
    expect(evenly([1, 2], 3)).toEqual([1, 2]);
    const many = Array.from({ length: REPORT_MAX_REQUESTS + 10 }, (_, i) => entry(i + 1, i % 2 ? ['cache-eviction'] : []));
    expect(unfaultedSample(many)).toHaveLength(REPORT_UNFAULTED_TRACES);
    const d = buildReportData({ scenario: 's', short: false, warmup_s: 1, fault_s: 1, faults: ['cache-eviction'], detection: {}, entries: many, matched: new Map(), traces: new Map() });
    expect(d.requests).toMatchObject({ total: REPORT_MAX_REQUESTS + 10 });
    expect(d.requests.items).toHaveLength(REPORT_MAX_REQUESTS);
    expect(REPORT_MAX_FAULTED_TRACES).toBeLessThan(REPORT_MAX_REQUESTS);
  });
});

describe('report charts', () => {
  it('should bin log-spaced when values span a factor of 2 or more, and count every value once', () => {
    const values = [1, 2, 4, 8, 16, 1000];
    const edges = binEdges(values, 4);
    expect(edges[0]).toBe(1);
    expect(edges.at(-1)).toBeCloseTo(1000);
    expect(edges[1]! / edges[0]!).toBeCloseTo(edges[2]! / edges[1]!);
    expect(histogram(values, edges).reduce((a, b) => a + b, 0)).toBe(values.length);
  });

  it('should draw one chart per pattern in a mixed run, each with as many marks as points', () => {
    const { verdict, data } = fixture();
    const charts = reportCharts(data, verdict);
    expect(charts.map((c) => c.id)).toEqual(['latency-over-time', 'latency-distribution', 'stage-breakdown', 'db-lookup', 'queue-vs-forward',
      'validation-attempts', 'tokenizer-init', 'survival', 'retention', 'detection-vs-alerts']);
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect(markCount(byId.get('latency-over-time')!)).toBe(data.requests.items.length);
    // Each faulted request of the latency histogram is in one bin.
    expect(byId.get('latency-distribution')!.series[1]!.values!.reduce((a, b) => a! + (b ?? 0), 0)).toBe(data.requests.items.filter((r) => r.faults.length).length);
    const inference = [...data.unfaulted_traces.items, ...data.faulted_traces.items].flatMap((t) => t.spans.filter((s) => s.name === Spans.inference));
    expect(markCount(byId.get('queue-vs-forward')!)).toBe(inference.length);
    expect(byId.get('queue-vs-forward')!.guides![0]!.name).toBe('y = x');
    expect(byId.get('survival')!.categories).toEqual(verdict.per_fault.map((f) => f.fault));
  });

  it('should draw no pattern chart, survival nor detection in the control run', () => {
    const { verdict, data } = fixture();
    const control = { ...data, faults: [], faulted_traces: { total: 0, items: [] } };
    const ids = reportCharts(control, { ...verdict, per_fault: [] }).map((c) => c.id);
    expect(ids).toEqual(['latency-over-time', 'latency-distribution', 'stage-breakdown', 'retention']);
  });
});

describe('renderReport', () => {
  const { verdict, data } = fixture();
  const html = renderReport(verdict, data, loadReportAssets());

  it('should inline the charting library and the page script, and load nothing from anywhere', () => {
    expect(html).toContain('Chartist');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toContain('sourceMappingURL');
  });

  it('should embed the data so that no value can close its script element', () => {
    const hostile = { ...data, scenario: '</script><script>alert(1)</script>' };
    const out = renderReport({ ...verdict, scenario: 'x' }, hostile, loadReportAssets());
    const json = out.match(/<script type="application\/json" id="report-data">([^]*?)<\/script>/)![1]!;
    expect(JSON.parse(json).scenario).toBe(hostile.scenario);
  });

  it('should still write the verdict\'s tables when a run has no report data', () => {
    const out = renderReport(verdict, undefined, loadReportAssets());
    expect(out).toContain('Surfaced, and kept by tail sampling');
    expect(out).toContain('wrote no report data');
    expect(out).not.toContain('id="trace-browser"');
  });

  it('should show the harness set\'s coverage per class, and say when an older verdict did not measure it', () => {
    // The fixture's run predates the coverage verdict (make report-html re-renders such runs).
    expect(html).toContain('which this older verdict did not measure');
    const coverage = {
      fault_phase_s: 20, fault_phase_requests: 300, retention_fault: 0.07, errors: { occurred: 2, kept: 2 },
      per_class: { 'gpu-starvation': { occurred: 300, intensity: 1, kept: 22, kept_whole: 21, kept_whole_per_min: 63, occurred_per_min: 900, required: 10, met: true } },
    };
    const out = renderReport({ ...verdict, coverage }, data, loadReportAssets());
    expect(out).toContain('gpu-starvation: 21 whole traces kept of 300 (63.0/min), 10 required: met');
    expect(out).toContain('errors kept: 2 of 2');
    expect(out).toContain('fault-phase retention 7.0% of 300');
  });
});
