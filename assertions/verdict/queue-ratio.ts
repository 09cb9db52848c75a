/**
 * Queue wait against forward pass, read from the inference spans of the requests the
 * ledger says queued behind the device fault. The seed's query,
 * queue_wait_ms > forward_pass_ms, can only see a request whose wait is longer than its
 * own forward pass: this says how many were shorter (its blind spot), and whether every
 * request the query missed is one of them, which is the one way a miss is explained by
 * the query's definition rather than by broken instrumentation.
 */
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import { quantiles } from '../stats.ts';
import { attrsToRecord, spansOf, type OtlpTrace, type SearchHit } from '../tempo/client.ts';

/** The seed's queue policy (docker/otelcol/config.yaml, numeric_attribute min_value). */
export const SEED_QUEUE_POLICY_MS = 300;
export const QUEUE_QUANTILES = [0.1, 0.5, 0.9, 0.99] as const;
const SAMPLE = 10;

export interface QueueSample {
  trace_id: string;
  queue_wait_ms: number;
  forward_pass_ms: number;
}

export interface QueueDistribution {
  /** Faulted requests whose inference span carries both attributes. */
  measured: number;
  /** Faulted requests with no readable inference span (not in tenant full, or the attribute is missing). */
  unmeasured: number;
  queue_wait_ms: Record<string, number>;
  forward_pass_ms: Record<string, number>;
  /** queue_wait / forward_pass per request. */
  ratio: Record<string, number>;
  /** Waits no longer than the request's own forward pass: the seed's query cannot see them. */
  not_longer_than_forward: number;
  /** Waits of at least the seed's 300 ms queue policy: the seed's set keeps them on that policy. */
  over_seed_queue_policy: number;
  /** Requests the query missed whose wait was longer than their forward pass: unexplained misses. */
  missed_unexplained: string[];
}

/** (queue wait, forward pass) of a trace's ml.inference span, or undefined when either is absent. */
export function queueSample(traceId: string, trace: OtlpTrace | undefined): QueueSample | undefined {
  const span = trace ? spansOf(trace).find((s) => s.name === Spans.inference) : undefined;
  if (!span) return undefined;
  const a = attrsToRecord(span.attributes);
  const q = Number(a[Attr.queueWaitMs]);
  const f = Number(a[Attr.forwardPassMs]);
  if (a[Attr.queueWaitMs] === undefined || a[Attr.forwardPassMs] === undefined || !Number.isFinite(q) || !Number.isFinite(f)) return undefined;
  return { trace_id: traceId, queue_wait_ms: q, forward_pass_ms: f };
}

/** The TraceQL that lists every inference span with the two attributes queueSample reads. */
export const INFERENCE_SPANS_QUERY = `{ name = "${Spans.inference}" } | select(span.${Attr.queueWaitMs}, span.${Attr.forwardPassMs})`;

/**
 * queueSample from a search hit of INFERENCE_SPANS_QUERY: the first inference span by start
 * time, as in the trace fetched by id (Tempo returns a trace's spans sorted by start).
 */
export function queueSampleFromHit(traceId: string, hit: SearchHit | undefined): QueueSample | undefined {
  const spans = (hit?.spanSets ?? (hit?.spanSet ? [hit.spanSet] : [])).flatMap((ss) => ss.spans ?? []);
  if (spans.length === 0) return undefined;
  const first = spans.reduce((a, b) => (BigInt(b.startTimeUnixNano ?? '0') < BigInt(a.startTimeUnixNano ?? '0') ? b : a));
  return queueSample(traceId, {
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: first.spanID, name: Spans.inference, startTimeUnixNano: first.startTimeUnixNano ?? '0', endTimeUnixNano: '0', attributes: first.attributes }] }] }],
  });
}

const byQuantile = (xs: number[]): Record<string, number> => {
  const qs = quantiles(xs, QUEUE_QUANTILES);
  return Object.fromEntries(QUEUE_QUANTILES.map((p, i) => [`p${Math.round(p * 100)}`, Math.round(qs[i]! * 1000) / 1000]));
};

export function queueDistribution(samples: (QueueSample | undefined)[], missed: ReadonlySet<string>): QueueDistribution {
  const ok = samples.filter((s): s is QueueSample => s !== undefined);
  return {
    measured: ok.length,
    unmeasured: samples.length - ok.length,
    queue_wait_ms: byQuantile(ok.map((s) => s.queue_wait_ms)),
    forward_pass_ms: byQuantile(ok.map((s) => s.forward_pass_ms)),
    ratio: byQuantile(ok.map((s) => s.queue_wait_ms / Math.max(s.forward_pass_ms, Number.EPSILON))),
    not_longer_than_forward: ok.filter((s) => s.queue_wait_ms <= s.forward_pass_ms).length,
    over_seed_queue_policy: ok.filter((s) => s.queue_wait_ms >= SEED_QUEUE_POLICY_MS).length,
    missed_unexplained: ok.filter((s) => missed.has(s.trace_id) && s.queue_wait_ms > s.forward_pass_ms).map((s) => s.trace_id).slice(0, SAMPLE),
  };
}
