/**
 * The Collector's own account of tail sampling, read from its internal telemetry
 * (Prometheus text): traces sampled per policy, and in total. Used to cross-check what
 * Tempo's sampled tenants hold against what the sampler says it kept.
 */
import { parsePromText, sumOf, type PromSample } from './prom-text.ts';

export interface SamplerCounts {
  /** Traces the samplers received, both processors together (each trace counts once per processor). */
  receivedTotal: number;
  /** Traces the sampler kept, both processors together. */
  sampledTotal: number;
  notSampledTotal: number;
  /** Traces each policy voted to keep, by "<processor>.<policy>" (a trace can count under several). */
  perPolicy: Record<string, number>;
}

export function parseSamplerCounts(text: string): SamplerCounts {
  const out: SamplerCounts = { receivedTotal: 0, sampledTotal: 0, notSampledTotal: 0, perPolicy: {} };
  for (const { name, labels, value } of parsePromText(text)) {
    if (name === 'otelcol_processor_tail_sampling_new_trace_id_received') {
      out.receivedTotal += value;
    } else if (name === 'otelcol_processor_tail_sampling_global_count_traces_sampled') {
      if (labels.sampled === 'true') out.sampledTotal += value;
      else out.notSampledTotal += value;
    } else if (name === 'otelcol_processor_tail_sampling_count_traces_sampled' && labels.sampled === 'true' && labels.policy) {
      out.perPolicy[labels.policy] = (out.perPolicy[labels.policy] ?? 0) + value;
    }
  }
  return out;
}

/**
 * Traces one tail-sampling processor has decided, kept or not: every policy votes on
 * every trace, so one policy's votes of both kinds count the processor's decisions
 * (the global counters add all processors of a Collector together).
 */
export function decidedBy(samples: PromSample[], processor: string, policy: string): { sampled: number; notSampled: number } {
  const votes = (sampled: string) => sumOf(samples, 'otelcol_processor_tail_sampling_count_traces_sampled', { policy: `${processor}.${policy}`, sampled });
  return { sampled: votes('true'), notSampled: votes('false') };
}

export async function readSamplerCounts(telemetryUrl: string): Promise<SamplerCounts> {
  const res = await fetch(telemetryUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Collector telemetry at ${telemetryUrl} answered ${res.status}`);
  return parseSamplerCounts(await res.text());
}
