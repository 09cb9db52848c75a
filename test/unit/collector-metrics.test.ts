import { describe, expect, it } from 'vitest';
import { decidedBy, parseSamplerCounts } from '../../assertions/verdict/collector-metrics.ts';
import { parsePromText, sumOf } from '../../assertions/verdict/prom-text.ts';

const SAMPLE = `
# HELP otelcol_processor_tail_sampling_count_traces_sampled Count of traces that were sampled or not per sampling policy
otelcol_processor_tail_sampling_count_traces_sampled{decision="sampled",policy="harness.baseline",sampled="true"} 4
otelcol_processor_tail_sampling_count_traces_sampled{decision="sampled",policy="harness.slow-requests",sampled="true"} 1
otelcol_processor_tail_sampling_count_traces_sampled{decision="not_sampled",policy="harness.baseline",sampled="false"} 57
otelcol_processor_tail_sampling_count_traces_sampled{decision="sampled",policy="seed.baseline",sampled="true"} 4
otelcol_processor_tail_sampling_global_count_traces_sampled{decision="not_sampled",sampled="false"} 112
otelcol_processor_tail_sampling_global_count_traces_sampled{decision="sampled",sampled="true"} 10
otelcol_processor_tail_sampling_new_trace_id_received 122
otelcol_exporter_sent_spans{exporter="otlp_grpc/tempo-full"} 61
`;

describe('parseSamplerCounts', () => {
  it('should read the sampled totals and the per-policy votes from the Collector telemetry', () => {
    expect(parseSamplerCounts(SAMPLE)).toEqual({
      receivedTotal: 122,
      sampledTotal: 10,
      notSampledTotal: 112,
      perPolicy: { 'harness.baseline': 4, 'harness.slow-requests': 1, 'seed.baseline': 4 },
    });
  });

  it('should give zeros when the text has no sampler metric', () => {
    expect(parseSamplerCounts('up 1\n')).toEqual({ receivedTotal: 0, sampledTotal: 0, notSampledTotal: 0, perPolicy: {} });
  });
});

describe('parsePromText and decidedBy', () => {
  const text = `
# TYPE otelcol_processor_tail_sampling_count_traces_sampled counter
otelcol_processor_tail_sampling_count_traces_sampled{decision="not_sampled",policy="cache.baseline",sampled="false"} 26
otelcol_processor_tail_sampling_count_traces_sampled{decision="sampled",policy="cache.baseline",sampled="true"} 1
otelcol_processor_tail_sampling_count_traces_sampled{decision="not_sampled",policy="no-cache.baseline",sampled="false"} 27
ml_post_processing_validation_attempts_sum{job="ml.post_processor",note="a \\"quoted\\" value"} 12.5 1700000000000
`;
  it('should read names, labels (escapes included), values, and ignore comments and timestamps', () => {
    const s = parsePromText(text);
    expect(s).toHaveLength(4);
    expect(s[3]).toEqual({ name: 'ml_post_processing_validation_attempts_sum', labels: { job: 'ml.post_processor', note: 'a "quoted" value' }, value: 12.5 });
    expect(sumOf(s, 'otelcol_processor_tail_sampling_count_traces_sampled', { sampled: 'false' })).toBe(53);
  });

  it('should count one processor\'s decisions from one policy\'s votes of both kinds', () => {
    const s = parsePromText(text);
    expect(decidedBy(s, 'cache', 'baseline')).toEqual({ sampled: 1, notSampled: 26 });
    expect(decidedBy(s, 'no-cache', 'baseline')).toEqual({ sampled: 0, notSampled: 27 });
  });
});
