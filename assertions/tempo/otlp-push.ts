/**
 * Spans written by hand and sent over OTLP/HTTP JSON, for experiments that need a span
 * at an exact time or in an exact order (a late span, a span just outside a window).
 */
import { randomBytes } from 'node:crypto';

export interface HandSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  error?: boolean;
  /** Unix nanoseconds; default: 5 ms before now, ending now. */
  startNs?: bigint;
  endNs?: bigint;
}

export const newSpanId = (): string => randomBytes(8).toString('hex');

export async function pushSpans(otlpHttpUrl: string, resource: { service: string; scope: string }, spans: HandSpan[]): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: resource.service } }] },
      scopeSpans: [{
        scope: { name: resource.scope },
        spans: spans.map((s) => ({
          traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name, kind: 1,
          startTimeUnixNano: String(s.startNs ?? now - 5_000_000n), endTimeUnixNano: String(s.endNs ?? now),
          status: { code: s.error ? 2 : 1 },
        })),
      }],
    }],
  };
  const res = await fetch(`${otlpHttpUrl}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the Collector at ${otlpHttpUrl} refused spans: ${res.status} ${await res.text()}`);
}
