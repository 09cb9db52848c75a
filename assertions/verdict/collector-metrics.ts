/**
 * The Collector's own account of tail sampling, read from its internal telemetry
 * (Prometheus text): traces sampled per policy, and in total. Used to cross-check what
 * Tempo's sampled tenants hold against what the sampler says it kept.
 */

export interface SamplerCounts {
  /** Traces the samplers received, both processors together (each trace counts once per processor). */
  receivedTotal: number;
  /** Traces the sampler kept, both processors together. */
  sampledTotal: number;
  notSampledTotal: number;
  /** Traces each policy voted to keep, by "<processor>.<policy>" (a trace can count under several). */
  perPolicy: Record<string, number>;
}

const LINE = /^(otelcol_processor_tail_sampling_[a-z_]+)(?:\{([^}]*)\})?\s+([0-9.e+-]+)$/;

export function parseSamplerCounts(text: string): SamplerCounts {
  const out: SamplerCounts = { receivedTotal: 0, sampledTotal: 0, notSampledTotal: 0, perPolicy: {} };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, name, labelText, value] = m;
    const labels = Object.fromEntries([...(labelText ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const v = Number(value);
    if (name === 'otelcol_processor_tail_sampling_new_trace_id_received') {
      out.receivedTotal += v;
    } else if (name === 'otelcol_processor_tail_sampling_global_count_traces_sampled') {
      if (labels.sampled === 'true') out.sampledTotal += v;
      else out.notSampledTotal += v;
    } else if (name === 'otelcol_processor_tail_sampling_count_traces_sampled' && labels.sampled === 'true' && labels.policy) {
      out.perPolicy[labels.policy] = (out.perPolicy[labels.policy] ?? 0) + v;
    }
  }
  return out;
}

export async function readSamplerCounts(telemetryUrl: string): Promise<SamplerCounts> {
  const res = await fetch(telemetryUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Collector telemetry at ${telemetryUrl} answered ${res.status}`);
  return parseSamplerCounts(await res.text());
}
