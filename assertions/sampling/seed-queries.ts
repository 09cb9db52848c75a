/**
 * The seed article's section-7 queries, run verbatim against the stack. Tempo answers the
 * TraceQL one; the three PromQL ones run verbatim on Prometheus (which scrapes the
 * Collector's exporter), and are also sent to Tempo, which rejects them. Beside each, a
 * TraceQL equivalent asks Tempo the same question of the traces.
 */
import { Attr, Metrics, ResourceAttr } from '../../target-pipeline/semconv.ts';
import { METRICS_EXPORT_LAG_S, PrometheusClient, waitForPrometheusToCatchUp, type PromSample } from '../prometheus/client.ts';
import { TempoClient, type MetricsSeries, type TimeRange } from '../tempo/client.ts';
import { waitForAllTraces } from '../verdict/collect.ts';
import { scrape } from '../verdict/prom-text.ts';
import type { SeedQueriesConfig } from './config.ts';
import { promName } from './dose-response.ts';
import { runLoad, type Testbed } from '../scenario/testbed.ts';
import { ownEndpoint } from '../../stack/provider.ts';

export interface SeedQuery {
  purpose: string;
  /** Verbatim from the seed (section 7). */
  query: string;
  kind: 'traceql' | 'promql';
  /** Runs on this stack; same question. */
  equivalent: string;
  equivalent_kind: 'traceql' | 'traceql-metrics';
  /** Series a PromQL query reads, checked against the Collector's exporter. */
  series?: string[];
}

export const SEED_QUERIES: SeedQuery[] = [
  {
    purpose: 'requests with an abnormal GPU queue-to-compute ratio',
    query: '{ span.ml.inference.queue_wait_ms > span.ml.inference.forward_pass_ms }\n| select(span.ml.batch.size, span.ml.device.id)',
    kind: 'traceql',
    equivalent: `{ span.${Attr.queueWaitMs} > span.${Attr.forwardPassMs} } | select(span.${Attr.batchSize}, span.${Attr.deviceId})`,
    equivalent_kind: 'traceql',
  },
  {
    purpose: 'p95 of slow feature-store fallbacks over 5 minutes',
    query: 'histogram_quantile(0.95,\nsum by (service_name, le) (\nrate(ml_feature_extraction_db_lookup_ms_bucket[5m])\n)\n)',
    kind: 'promql',
    equivalent: `{ span.${Attr.featuresDbLookupMs} > 0 } | quantile_over_time(span.${Attr.featuresDbLookupMs}, .95) by (resource.service.name)`,
    equivalent_kind: 'traceql-metrics',
    series: [`${promName(Metrics.dbLookupMs)}_bucket`],
  },
  {
    purpose: 'alert on rising revalidation (mean attempts > 1.3)',
    query: 'sum(rate(ml_post_processing_validation_attempts_sum[10m]))\n/\nsum(rate(ml_post_processing_validation_attempts_count[10m]))\n> 1.3',
    kind: 'promql',
    equivalent: `{ span.${Attr.validationAttempts} > 0 } | avg_over_time(span.${Attr.validationAttempts})`,
    equivalent_kind: 'traceql-metrics',
    series: [`${promName(Metrics.validationAttempts)}_sum`, `${promName(Metrics.validationAttempts)}_count`],
  },
  {
    purpose: 'pipeline bottleneck overview by stage (top 5 p95)',
    query: 'topk(5,\nhistogram_quantile(0.95,\nsum by (service_name, le) (\nrate(\nduration_ms_bucket{ml_pipeline_name="recommendation"}[5m]\n)\n)\n)\n)',
    kind: 'promql',
    equivalent: `{ resource.${ResourceAttr.pipelineName} != "" } | quantile_over_time(duration, .95) by (name) | topk(5)`,
    equivalent_kind: 'traceql-metrics',
    series: ['duration_ms_bucket'],
  },
];

export interface SeedQueryResult {
  purpose: string;
  query: string;
  accepted_by_tempo: boolean;
  /** Tempo's answer when it rejected the query, or the number of traces/series it returned. */
  tempo_answer: string;
  /** PromQL only: Prometheus's answer to the verbatim query, at the end of the window. */
  prometheus_answer?: string;
  /** PromQL only: how many series Prometheus returned. */
  prometheus_series?: number;
  series_in_exporter?: Record<string, boolean>;
  equivalent: string;
  equivalent_answer: string;
}

function describeSeries(r: MetricsSeries): string {
  const series = r.series ?? [];
  if (series.length === 0) return 'no series';
  return series.slice(0, 5).map((s) => {
    const label = (s.labels ?? []).filter((l) => l.key !== 'p').map((l) => String(Object.values(l.value)[0])).join(',') || 'all';
    return `${label}: ${typeof s.value === 'number' ? s.value.toFixed(3) : 'no value'}`;
  }).join('; ');
}

async function runOne(tempo: TempoClient, kind: 'traceql' | 'traceql-metrics' | 'promql', q: string, range: TimeRange): Promise<{ ok: boolean; answer: string }> {
  try {
    if (kind === 'traceql') return { ok: true, answer: `${(await tempo.searchAll(q, range)).size} traces` };
    return { ok: true, answer: describeSeries(await tempo.metricsQuery(q, range)) };
  } catch (err) {
    return { ok: false, answer: (err as Error).message.replace(/^.*answered /, '') };
  }
}

/** An instant vector as a line: each series' labels (those that tell series apart) and value. */
export function describeVector(samples: PromSample[]): string {
  if (samples.length === 0) return 'empty result (no series)';
  const varying = new Set<string>();
  for (const s of samples) for (const [k, v] of Object.entries(s.metric)) if (samples.some((o) => o.metric[k] !== v)) varying.add(k);
  return samples.slice(0, 5).map((s) => {
    const label = [...varying].map((k) => `${k}=${s.metric[k] ?? ''}`).join(',') || 'all';
    const v = Number(s.value[1]);
    return `${label}: ${Number.isFinite(v) ? v.toFixed(3) : s.value[1]}`;
  }).join('; ') + (samples.length > 5 ? `; ${samples.length - 5} more` : '');
}

export async function runSeedQueries(tempoUrl: string, metricsUrl: string, prometheusUrl: string, range: TimeRange): Promise<SeedQueryResult[]> {
  const tempo = new TempoClient(tempoUrl, 'full');
  const prom = new PrometheusClient(prometheusUrl);
  const exported = new Set((await scrape(metricsUrl)).map((s) => s.name));
  const out: SeedQueryResult[] = [];
  for (const q of SEED_QUERIES) {
    const verbatim = await runOne(tempo, q.kind === 'traceql' ? 'traceql' : 'traceql-metrics', q.query, range);
    const eq = await runOne(tempo, q.equivalent_kind, q.equivalent, range);
    // A rejected query or an unreachable Prometheus throws: a harness failure, never "no data".
    const promAnswer = q.kind === 'promql' ? await prom.query(q.query, range.end) : undefined;
    out.push({
      purpose: q.purpose,
      query: q.query,
      accepted_by_tempo: verbatim.ok,
      tempo_answer: verbatim.answer,
      ...(promAnswer ? { prometheus_answer: describeVector(promAnswer), prometheus_series: promAnswer.length } : {}),
      ...(q.series ? { series_in_exporter: Object.fromEntries(q.series.map((s) => [s, exported.has(s)])) } : {}),
      equivalent: q.equivalent,
      equivalent_answer: eq.ok ? eq.answer : `rejected: ${eq.answer}`,
    });
  }
  return out;
}

/** A short load with the configured faults on, then every seed query over its window. */
export async function runSeedQueryPhase(tb: Testbed, cfg: SeedQueriesConfig, log: (l: string) => void = console.log): Promise<SeedQueryResult[]> {
  await tb.admin.reset();
  for (const [fault, knobs] of Object.entries(cfg.faults)) await tb.admin.enable(fault, knobs);
  const cursor = await tb.admin.ledgerHead();
  const start = Math.floor(Date.now() / 1000);
  log(`[seed queries] k6: ${cfg.rate}/s for ${cfg.duration_s} s with ${Object.keys(cfg.faults).join(', ')}`);
  await runLoad(tb, cfg, 'k6-seed-queries');
  await tb.admin.reset();
  const entries = await tb.admin.ledgerAll(cursor);
  const loadEnd = Date.now() / 1000;
  const range: TimeRange = { start, end: Math.ceil(loadEnd) + 1 };
  await waitForAllTraces(new TempoClient(tb.stack.endpoints.tempoUrl, 'full'), entries.map((e) => e.trace_id), range, 60_000);
  const promUrl = ownEndpoint(tb.stack, 'prometheusUrl', 'the seed queries');
  await waitForPrometheusToCatchUp(new PrometheusClient(promUrl), loadEnd, METRICS_EXPORT_LAG_S, 60_000);
  return runSeedQueries(tb.stack.endpoints.tempoUrl, ownEndpoint(tb.stack, 'metricsUrl', 'the seed queries'), promUrl, { ...range, end: Math.ceil(Date.now() / 1000) });
}
