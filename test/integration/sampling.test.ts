/**
 * Tail-sampling claims, each shown on the real Collector, Tempo and pipeline (short
 * versions of what make scenario-sampling runs):
 *  - a span that arrives after the decision, with and without a decision cache;
 *  - the early warning: mean validation attempts per corruption step, read from Tempo
 *    and from the exported metrics, against the HTTP error rate;
 *  - the seed's section-7 queries, verbatim.
 * (Scale-out, on its own stack, is scale-out.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSamplingConfig } from '../../assertions/sampling/config.ts';
import { runDoseResponse } from '../../assertions/sampling/dose-response.ts';
import { PROBE, runLateSpanExperiment } from '../../assertions/sampling/late-spans.ts';
import { runSeedQueryPhase } from '../../assertions/sampling/seed-queries.ts';
import { startTestbed, type RunningTestbed } from '../../assertions/scenario/testbed.ts';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { testStackConfig } from './helpers/stack.ts';

const cfg = loadSamplingConfig({ short: true });
const base = loadScenario('baseline', { short: true, env: {} });
const quiet = () => {};

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

  it('should show mean validation attempts rising with corruption, the same in Tempo and in the metrics, crossing the alert level', async () => {
    const d = await runDoseResponse(tb, cfg.dose_response, quiet);
    console.log(`dose-response: ${d.steps.map((s) => `${s.corruption_rate * 100}% -> ${s.mean_tempo.toFixed(3)} (metrics ${s.mean_metrics.toFixed(3)}, ${s.http_5xx}/${s.requests} 5xx)`).join('; ')}; first crossing of ${d.alert_level} at ${d.first_crossing.tempo_alert}, first 5xx at ${d.first_crossing.http_errors}`);
    const [first, ...rest] = d.steps;
    expect(first!.mean_tempo).toBe(1);
    expect(first!.http_5xx).toBe(0);
    for (const s of d.steps) {
      expect(s.spans_tempo).toBe(s.requests);
      expect(s.count_metrics).toBe(s.requests);
      expect(s.mean_metrics).toBeCloseTo(s.mean_tempo, 9);
    }
    expect(d.monotonic).toEqual({ tempo: true, metrics: true });
    expect(rest.every((s) => s.outputs_corrupted > 0)).toBe(true);
    expect(d.first_crossing.tempo_alert).not.toBeNull();
    expect(d.first_crossing.metrics_alert).toBe(d.first_crossing.tempo_alert);
    // The signal moves at the first non-zero step, before any request fails.
    expect(d.first_crossing.tempo_early).toBe(d.steps[1]!.corruption_rate);
    expect(d.steps[1]!.http_5xx).toBe(0);
  });

  it('should run the seed\'s TraceQL query verbatim, and show that Tempo rejects its PromQL with an equivalent that runs', async () => {
    const r = await runSeedQueryPhase(tb, { ...cfg.seed_queries, duration_s: 3 }, quiet);
    for (const q of r) console.log(`seed query (${q.purpose}): accepted by Tempo ${q.accepted_by_tempo} (${q.tempo_answer.slice(0, 80)}); equivalent: ${q.equivalent_answer}`);
    const [traceql, ...promql] = r;
    expect(traceql!.accepted_by_tempo).toBe(true);
    expect(traceql!.tempo_answer).toMatch(/^[1-9]\d* traces$/);
    for (const q of promql) {
      expect(q.accepted_by_tempo).toBe(false);
      expect(q.equivalent_answer).not.toMatch(/^rejected/);
    }
    expect(promql[1]!.series_in_exporter).toEqual({ ml_post_processing_validation_attempts_sum: true, ml_post_processing_validation_attempts_count: true });
  });
});
