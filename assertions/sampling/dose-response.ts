/**
 * Early warning, measured: silent revalidation in steps of output corruption. Per step
 * the mean of ml.post_processing.validation_attempts is read twice, from different
 * signals a production pipeline emits:
 *  - Tempo's TraceQL metrics over the step's spans (sum_over_time / count_over_time);
 *  - the pipeline's exported histogram, as the seed's alert computes it
 *    (rate of _sum over rate of _count), from two scrapes of the Collector's
 *    Prometheus exporter around the step;
 *  - the same histogram as Prometheus stored it (its cumulative _sum and _count at the
 *    step's end against the step's start), and the seed's alert expression as Prometheus
 *    evaluated it at the step's end (over its own 10-minute window, as a dashboard would);
 * beside the HTTP error rate the ledger records. Each step is one k6 run, with a pause
 * between steps, so each reading covers exactly that step's requests.
 */
import type { LedgerEntry } from '../../faults/ledger.ts';
import { waitFor } from '../../stack/wait.ts';
import { Attr, Metrics } from '../../target-pipeline/semconv.ts';
import { PrometheusClient, waitForPrometheusValue } from '../prometheus/client.ts';
import { comparedQuantity } from '../prometheus/expressions.ts';
import { HarnessError } from '../scenario/errors.ts';
import { sumSeries, TempoClient, type TimeRange } from '../tempo/client.ts';
import { waitForAllTraces } from '../verdict/collect.ts';
import { scrape, sumOf } from '../verdict/prom-text.ts';
import type { DoseResponseConfig } from './config.ts';
import { runLoad, type Testbed } from '../scenario/testbed.ts';
import { ownEndpoint } from '../../stack/provider.ts';
const WAIT_MS = 60_000;

/** The exporter's name for an OTel metric: dots become underscores. */
export const promName = (metric: string): string => metric.replace(/\./g, '_');
export const ATTEMPTS_SUM = `${promName(Metrics.validationAttempts)}_sum`;
export const ATTEMPTS_COUNT = `${promName(Metrics.validationAttempts)}_count`;
const SELECT = `{ span.${Attr.validationAttempts} > 0 }`;
export const TEMPO_SUM_QUERY = `${SELECT} | sum_over_time(span.${Attr.validationAttempts})`;
export const TEMPO_COUNT_QUERY = `${SELECT} | count_over_time()`;
/** The seed's alert (section 7), verbatim: PromQL, which Tempo does not speak. */
export const SEED_ALERT_QUERY = `sum(rate(${ATTEMPTS_SUM}[10m]))\n/\nsum(rate(${ATTEMPTS_COUNT}[10m]))\n> 1.3`;

export interface DoseStep {
  corruption_rate: number;
  requests: number;
  http_5xx: number;
  http_error_rate: number;
  /** Mean attempts from Tempo's TraceQL metrics, and the spans it averaged. */
  mean_tempo: number;
  spans_tempo: number;
  /** Mean attempts from the exported histogram (delta sum / delta count), and its count. */
  mean_metrics: number;
  count_metrics: number;
  /** Mean attempts from Prometheus's stored _sum and _count (step end minus step start). */
  mean_prometheus: number;
  /** The seed's alert quantity (mean over the last 10 minutes) as Prometheus evaluated it at the step's end. */
  seed_alert_value: number | null;
  /** Outputs the fault really corrupted in this step (its own counter: ground truth). */
  outputs_corrupted: number;
}

export interface DoseResponse {
  alert_level: number;
  early_level: number;
  steps: DoseStep[];
  /** The first corruption rate at which each signal crossed; null when none did. */
  first_crossing: {
    tempo_alert: number | null;
    metrics_alert: number | null;
    tempo_early: number | null;
    metrics_early: number | null;
    /** The seed's alert expression, as Prometheus evaluated it at a step's end, over the alert level. */
    prometheus_seed_alert: number | null;
    http_errors: number | null;
  };
  monotonic: { tempo: boolean; metrics: boolean };
}


/** The cumulative _sum and _count as Prometheus holds them now, and the seed's alert quantity. */
async function attemptsFromPrometheus(prom: PrometheusClient): Promise<{ sum: number; count: number; seed: number | null }> {
  return {
    sum: (await prom.value(`sum(${ATTEMPTS_SUM})`)) ?? 0,
    count: (await prom.value(`sum(${ATTEMPTS_COUNT})`)) ?? 0,
    seed: (await prom.value(comparedQuantity(SEED_ALERT_QUERY))) ?? null,
  };
}

async function attemptsFromExporter(url: string): Promise<{ sum: number; count: number }> {
  const s = await scrape(url);
  return { sum: sumOf(s, ATTEMPTS_SUM), count: sumOf(s, ATTEMPTS_COUNT) };
}

export async function runDoseResponse(tb: Testbed, cfg: DoseResponseConfig, log: (l: string) => void = console.log): Promise<DoseResponse> {
  const full = new TempoClient(tb.stack.endpoints.tempoUrl, 'full');
  const metricsUrl = ownEndpoint(tb.stack, 'metricsUrl', 'the dose-response');
  const steps: DoseStep[] = [];
  // Start from a settled exporter: the priming requests' observations included.
  const primed = (await tb.admin.ledgerAll()).filter((e) => e.status === 200 || e.status === 502).length;
  let before = await waitFor(async () => {
    const a = await attemptsFromExporter(metricsUrl);
    return a.count >= primed ? a : undefined;
  }, { what: 'the priming requests\' observations in the Collector\'s Prometheus exporter', timeoutMs: WAIT_MS });
  let lastActivity = Date.now();
  const prom = new PrometheusClient(ownEndpoint(tb.stack, 'prometheusUrl', 'the dose-response'));
  // Prometheus scraped the same exporter: it has everything once its count is the exporter's.
  await waitForPrometheusValue(prom, `sum(${ATTEMPTS_COUNT})`, before.count, WAIT_MS);
  let promBefore = await attemptsFromPrometheus(prom);
  const corruptedSoFar = async () => (await tb.admin.status()).faults.find((f) => f.name === 'output-corruption')?.counters.outputs_corrupted ?? 0;
  for (const [i, rate] of cfg.corruption_rates.entries()) {
    await tb.admin.reset();
    if (rate > 0) await tb.admin.enable('output-corruption', { rate, mode: cfg.mode, seed: cfg.seed + i });
    const cursor = await tb.admin.ledgerHead();
    const corruptedBefore = await corruptedSoFar();
    // Tempo's window is whole seconds: a step starts in a second of its own.
    await waitFor(() => (Math.floor(Date.now() / 1000) > Math.floor(lastActivity / 1000) ? true : undefined),
      { what: 'a second with no earlier request in it', timeoutMs: 2_000 });
    const start = Date.now();
    log(`[dose-response] step ${i + 1}/${cfg.corruption_rates.length}: ${(rate * 100).toFixed(0)}% corruption, ${cfg.rate}/s for ${cfg.step_s} s`);
    await runLoad(tb, { rate: cfg.rate, duration_s: cfg.step_s }, `k6-dose-${i + 1}`);
    const entries: LedgerEntry[] = await tb.admin.ledgerAll(cursor);
    const corrupted = (await corruptedSoFar()) - corruptedBefore;
    if (entries.length === 0) throw new HarnessError(`step ${i + 1}: the ledger recorded no request`);
    lastActivity = Date.now();
    const range: TimeRange = { start: Math.floor(start / 1000), end: Math.ceil(lastActivity / 1000) + 1 };
    await waitForAllTraces(full, entries.map((e) => e.trace_id), range, WAIT_MS);
    // Every request that reached the post-processor recorded one observation; the
    // exporter has them all once the count moved by as many (the SDK exports every 2 s).
    const reached = entries.filter((e) => e.status === 200 || e.status === 502).length;
    const after = await waitFor(async () => {
      const a = await attemptsFromExporter(metricsUrl);
      if (a.count - before.count < reached) throw new Error(`${a.count - before.count} of ${reached} observations exported`);
      return a;
    }, { what: `step ${i + 1}'s validation-attempt observations in the Collector's Prometheus exporter`, timeoutMs: WAIT_MS });
    const tempo = await waitFor(async () => {
      const [sum, count] = [sumSeries(await full.metricsQuery(TEMPO_SUM_QUERY, range)), sumSeries(await full.metricsQuery(TEMPO_COUNT_QUERY, range))];
      if (count !== reached) throw new Error(`TraceQL metrics count ${count} spans for the step's ${reached} requests`);
      return { sum, count };
    }, { what: `step ${i + 1}'s post-processing spans in Tempo's TraceQL metrics`, timeoutMs: WAIT_MS });
    await waitForPrometheusValue(prom, `sum(${ATTEMPTS_COUNT})`, after.count, WAIT_MS);
    const promAfter = await attemptsFromPrometheus(prom);
    const http5xx = entries.filter((e) => e.status >= 500).length;
    steps.push({
      corruption_rate: rate,
      requests: entries.length,
      http_5xx: http5xx,
      http_error_rate: http5xx / entries.length,
      mean_tempo: tempo.sum / tempo.count,
      spans_tempo: tempo.count,
      mean_metrics: (after.sum - before.sum) / (after.count - before.count),
      count_metrics: after.count - before.count,
      mean_prometheus: (promAfter.sum - promBefore.sum) / (promAfter.count - promBefore.count),
      seed_alert_value: promAfter.seed,
      outputs_corrupted: corrupted,
    });
    before = after;
    promBefore = promAfter;
  }
  await tb.admin.reset();
  const first = (pred: (s: DoseStep) => boolean) => steps.find(pred)?.corruption_rate ?? null;
  const rising = (k: 'mean_tempo' | 'mean_metrics') => steps.every((s, i) => i === 0 || s[k] > steps[i - 1]![k]);
  return {
    alert_level: cfg.alert_level,
    early_level: cfg.early_level,
    steps,
    first_crossing: {
      tempo_alert: first((s) => s.mean_tempo > cfg.alert_level),
      metrics_alert: first((s) => s.mean_metrics > cfg.alert_level),
      tempo_early: first((s) => s.mean_tempo > cfg.early_level),
      metrics_early: first((s) => s.mean_metrics > cfg.early_level),
      prometheus_seed_alert: first((s) => s.seed_alert_value !== null && s.seed_alert_value > cfg.alert_level),
      http_errors: first((s) => s.http_5xx > 0),
    },
    monotonic: { tempo: rising('mean_tempo'), metrics: rising('mean_metrics') },
  };
}
