import { describe, expect, it } from 'vitest';
import { parseSamplerCounts } from '../../assertions/verdict/collector-metrics.ts';

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
