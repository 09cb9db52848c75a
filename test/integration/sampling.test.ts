/**
 * Tail-sampling claims, each shown on the real Collector, Tempo and pipeline (short
 * versions of what make scenario-sampling runs):
 *  - a span that arrives after the decision, with and without a decision cache;
 *  - the early warning: mean validation attempts per corruption step, read from Tempo
 *    and from the exported metrics, against the HTTP error rate;
 *  - early warning as lead time: Prometheus's alerts over a corruption ramp;
 *  - the seed's section-7 queries, verbatim (PromQL on Prometheus);
 *  - every PromQL expression of the dashboard and the alert rules answered with data;
 *  - the service graph (Tempo's metrics-generator) against the span metrics' CLIENT spans.
 * (Scale-out, on its own stack, is scale-out.test.ts.)
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSamplingConfig } from '../../assertions/sampling/config.ts';
import { runDoseResponse } from '../../assertions/sampling/dose-response.ts';
import { PROBE, runLateSpanExperiment } from '../../assertions/sampling/late-spans.ts';
import { runSeedQueryPhase } from '../../assertions/sampling/seed-queries.ts';
import { runRamp } from '../../assertions/sampling/ramp.ts';
import { rampClaims, rampMarkdown } from '../../assertions/sampling/ramp-report.ts';
import { PrometheusClient } from '../../assertions/prometheus/client.ts';
import { answerAll, dashboardExpressions, ruleExpressions } from '../../assertions/prometheus/expressions.ts';
import { edgeCounts, unexpectedEdges, type EdgeCount } from '../../assertions/prometheus/service-graph.ts';
import { PROMETHEUS_RULES } from '../../stack/prometheus.ts';
import { waitFor } from '../../stack/wait.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { startTestbed, type RunningTestbed } from '../../assertions/scenario/testbed.ts';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { testStackConfig } from './helpers/stack.ts';
import { ownEndpoint } from '../../stack/provider.ts';

const cfg = loadSamplingConfig({ short: true });
const base = loadScenario('baseline', { short: true, env: {} });
const quiet = () => {};
const DASHBOARD = path.join(REPO_ROOT, 'docker/grafana/dashboards/ml-pipeline.json');

describe('on one testbed', () => {
  let tb: RunningTestbed;

  beforeAll(async () => {
    tb = await startTestbed({ stackConfig: testStackConfig({ decisionWait: base.decision_wait }), pipelineEnv: testPipelinePorts(), entities: base.entities, log: quiet });
  });

  afterAll(async () => {
    await tb?.stop();
  });

  it('should keep a late span only while the decided trace is in memory without a decision cache, and always with one', async () => {
    const r = await runLateSpanExperiment(tb.stack, { logDir: tb.logDir });
    console.log(`late spans: trace ${r.trace_id}; without cache Tempo holds ${r.outcomes['no-cache'].stored.length} of 4 spans (lost: ${r.outcomes['no-cache'].lost.join(', ')}); with cache ${r.outcomes.cache.stored.length} of 4 (${r.outcomes.cache.released_from_cache} late spans released from the cache)`);
    expect(r.outcomes['no-cache'].stored).toContain(PROBE.lateInMemory);
    expect(r.outcomes['no-cache'].lost).toEqual([PROBE.lateAfterEviction]);
    expect(r.outcomes.cache.lost).toEqual([]);
    expect(r.outcomes.cache.released_from_cache).toBe(2);
  });

  // Before the dose-response: the seed's rule averages over 10 minutes, and the calm phase
  // must not see an earlier test's corruption.
  it('should time each Prometheus alert from the start of a corruption ramp, after a no-fault phase with no false alarm from the harness\'s rule', async () => {
    const r = await runRamp(tb, cfg.ramp, quiet);
    const claims = rampClaims(r);
    console.log(rampMarkdown(r, claims, true));
    expect(claims.filter((c) => !c.holds)).toEqual([]);
    expect(r.alerts.map((a) => a.alert)).toEqual(ruleExpressions(PROMETHEUS_RULES).map((e) => e.where.replace(/^rules\.yml: /, '')));
  });

  it('should show mean validation attempts rising with corruption, the same in Tempo, in the exporter and in Prometheus, crossing the alert level', async () => {
    const d = await runDoseResponse(tb, cfg.dose_response, quiet);
    console.log(`dose-response: ${d.steps.map((s) => `${s.corruption_rate * 100}% -> ${s.mean_tempo.toFixed(3)} (metrics ${s.mean_metrics.toFixed(3)}, ${s.http_5xx}/${s.requests} 5xx)`).join('; ')}; first crossing of ${d.alert_level} at ${d.first_crossing.tempo_alert}, first 5xx at ${d.first_crossing.http_errors}`);
    const [first, ...rest] = d.steps;
    expect(first!.mean_tempo).toBe(1);
    expect(first!.http_5xx).toBe(0);
    for (const s of d.steps) {
      expect(s.spans_tempo).toBe(s.requests);
      expect(s.count_metrics).toBe(s.requests);
      expect(s.mean_metrics).toBeCloseTo(s.mean_tempo, 9);
      // Prometheus stored the same observations: its step deltas give the same mean.
      expect(s.mean_prometheus).toBeCloseTo(s.mean_metrics, 9);
    }
    expect(d.monotonic).toEqual({ tempo: true, metrics: true });
    expect(rest.every((s) => s.outputs_corrupted > 0)).toBe(true);
    expect(d.first_crossing.tempo_alert).not.toBeNull();
    expect(d.first_crossing.metrics_alert).toBe(d.first_crossing.tempo_alert);
    // The signal moves at the first non-zero step, before any request fails.
    expect(d.first_crossing.tempo_early).toBe(d.steps[1]!.corruption_rate);
    expect(d.steps[1]!.http_5xx).toBe(0);
  });

  it('should run the seed\'s section-7 queries verbatim: TraceQL on Tempo, PromQL on Prometheus (which Tempo rejects), each beside a TraceQL equivalent', async () => {
    const r = await runSeedQueryPhase(tb, { ...cfg.seed_queries, duration_s: 3 }, quiet);
    for (const q of r) console.log(`seed query (${q.purpose}): Prometheus ${q.prometheus_answer ?? 'n/a'}; accepted by Tempo ${q.accepted_by_tempo} (${q.tempo_answer.slice(0, 80)}); equivalent: ${q.equivalent_answer}`);
    const [traceql, dbLookup, revalidation, overview] = r;
    expect(traceql!.accepted_by_tempo).toBe(true);
    expect(traceql!.tempo_answer).toMatch(/^[1-9]\d* traces$/);
    expect(traceql!.prometheus_answer).toBeUndefined();
    for (const q of [dbLookup, revalidation, overview]) {
      expect(q!.accepted_by_tempo).toBe(false);
      expect(q!.equivalent_answer).not.toMatch(/^rejected/);
    }
    expect(revalidation!.series_in_exporter).toEqual({ ml_post_processing_validation_attempts_sum: true, ml_post_processing_validation_attempts_count: true });
    // Cache evictions ran, so the fallback histogram has a p95 per service.
    expect(dbLookup!.prometheus_answer).toMatch(/^(service_name=ml\.feature_extractor|all): \d/);
    // The overview reads the span metrics: one p95 per service (the four services, at most five).
    expect(overview!.prometheus_series).toBe(4);
    // The revalidation alert's expression answers one series when the mean is over 1.3, none otherwise.
    expect(revalidation!.prometheus_series).toBeLessThanOrEqual(1);
  });

  it('should answer every PromQL expression of the dashboard and of the alert rules with a series', async () => {
    const prom = new PrometheusClient(ownEndpoint(tb.stack, 'prometheusUrl', 'this test'));
    expect(await prom.alertRuleNames()).toEqual(ruleExpressions(PROMETHEUS_RULES).map((e) => e.where.replace(/^rules\.yml: /, '')));
    const answers = await answerAll(prom, [...dashboardExpressions(DASHBOARD), ...ruleExpressions(PROMETHEUS_RULES)]);
    const empty = answers.filter((a) => a.series === 0 && !a.may_be_empty);
    expect(empty.map((a) => `${a.where}: ${a.expr}`)).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(16);
  });

  // After the dose-response, whose corruption made the post-processor re-invoke the model.
  it('should draw the service graph from CLIENT/SERVER span pairs: every edge of the pipeline, each counting the spans behind it', async () => {
    const prom = new PrometheusClient(ownEndpoint(tb.stack, 'prometheusUrl', 'this test'));
    let last: EdgeCount[] = [];
    // Two paths, each a few seconds behind: the Collector's span metrics (scraped) and
    // Tempo's generator (remote-written); wait until both have counted the same calls.
    await waitFor(async () => {
      last = await edgeCounts(prom);
      return last.every((e) => e.graph !== undefined && e.graph === e.spans) ? true : undefined;
    }, { what: 'the service graph to count every span pair', timeoutMs: 30_000 }).catch(() => undefined);
    console.log(`service graph: ${last.map((e) => `${e.client} -> ${e.server} ${e.graph ?? 'none'} (spans ${e.spans ?? 'none'})`).join('; ')}`);
    expect(last.filter((e) => !(e.graph! > 0 && e.graph === e.spans))).toEqual([]);
    expect(await unexpectedEdges(prom)).toEqual([]);
  });
});
