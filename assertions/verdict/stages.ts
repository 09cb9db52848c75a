/**
 * Stage breakdowns from traces, shared by the verdict (faulted against unfaulted requests)
 * and the soak (where a latency trend lives): which row a span counts in, how long it took,
 * and which traces of a long list are sampled.
 */
import { Spans } from '../../target-pipeline/semconv.ts';
import type { OtlpSpan } from '../tempo/client.ts';

const NANOS_PER_MS = 1e6;
const CONTRACT_SPANS = Object.values(Spans) as string[];

/**
 * A span's row in the stage breakdown: its name, and for the HTTP spans between services
 * (two of one name, the caller's and the callee's) which side it is, so that the time a
 * call spends between the two shows as the CLIENT row less the SERVER row.
 */
export function stageKey(s: { name: string; kind?: string | number }): string {
  const side = s.kind === 'SPAN_KIND_CLIENT' ? 'client' : s.kind === 'SPAN_KIND_SERVER' ? 'server' : undefined;
  return side && !CONTRACT_SPANS.includes(s.name) ? `${s.name} (${side})` : s.name;
}

export function spanDurationMs(s: Pick<OtlpSpan, 'startTimeUnixNano' | 'endTimeUnixNano'>): number {
  return Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / NANOS_PER_MS;
}

/** At most `n` of `xs`, spread evenly from the first. */
export function spreadSample<T>(xs: readonly T[], n: number): T[] {
  const step = Math.max(1, Math.floor(xs.length / n));
  return xs.filter((_, i) => i % step === 0).slice(0, n);
}
