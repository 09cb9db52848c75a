/**
 * Turnaround: how long from the end of a request (its trace is finished when the answer
 * arrives) until Tempo returns it whole by id, and until a TraceQL search finds it.
 * One request at a time, each polled for at a fine interval.
 */
import { spansOf, type TempoClient } from '../assertions/tempo/client.ts';
import { ROOT_QUERY } from '../assertions/verdict/collect.ts';
import { EVERY_REQUEST_SPANS } from '../target-pipeline/semconv.ts';
import { traceIdFromTraceResponse } from '../target-pipeline/telemetry/http.ts';

export const PROBES = Number(process.env.BENCH_TURNAROUND_PROBES ?? 20);
const POLL_MS = 25;
const TIMEOUT_MS = 60_000;
/** Spans a plain request makes (no cache miss, no tokenizer rebuild): how "whole" is recognised. */
const SPANS_PER_REQUEST = EVERY_REQUEST_SPANS.length;

async function until(probe: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (!(await probe())) {
    if (performance.now() - t0 > TIMEOUT_MS) return NaN;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return performance.now() - t0;
}

export async function traceTurnaround(gatewayUrl: string, full: TempoClient, body: unknown): Promise<{ by_id_ms: number[]; search_ms: number[] }> {
  const byId: number[] = [];
  const search: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const res = await fetch(`${gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    const ended = performance.now();
    const id = traceIdFromTraceResponse(res.headers.get('traceresponse'));
    if (!id) throw new Error('the gateway answered without a traceresponse header');
    const a = await until(async () => {
      const t = await full.traceById(id);
      return !!t && spansOf(t).length >= SPANS_PER_REQUEST;
    });
    byId.push(Number.isNaN(a) ? NaN : performance.now() - ended);
    const now = Math.floor(Date.now() / 1000);
    const b = await until(async () => (await full.searchPage(ROOT_QUERY, { start: now - 60, end: now + 5 }, 200)).some((h) => h.traceID === id));
    search.push(Number.isNaN(b) ? NaN : performance.now() - ended);
  }
  return { by_id_ms: byId, search_ms: search };
}
