/**
 * Pushes generated requests (verdict-traces.ts) to the Collector's OTLP/HTTP endpoint at
 * a bounded rate, a batch of requests per export as a service's exporter sends them, and
 * returns the matching ledger. Request i starts at t0 - END_SLACK_MS + i / rate, so its
 * spans have ended before the batch that carries them is sent; a Collector that cannot
 * keep the rate shows as an achieved rate below it (exports wait for a free slot).
 */
import type { LedgerEntry } from '../faults/ledger.ts';
import { sumOf, parsePromText } from '../assertions/verdict/prom-text.ts';
import { waitFor } from '../stack/wait.ts';
import { END_SLACK_MS, generateRequest, otlpBody, type TraceGenOptions } from './verdict-traces.ts';

export const EXPORT_TIMEOUT_MS = 30_000;

export interface PushOptions {
  otlpHttpUrl: string;
  n: number;
  /** Requests per second. */
  rate: number;
  /** Requests per export. */
  batch: number;
  /** Exports in flight at once. */
  concurrency: number;
  gen: TraceGenOptions;
  log?: (line: string) => void;
}

export interface PushResult {
  entries: LedgerEntry[];
  spans: number;
  wall_s: number;
  achieved_rps: number;
}

export async function pushRequests(o: PushOptions): Promise<PushResult> {
  const entries: LedgerEntry[] = new Array(o.n);
  const t0 = Date.now();
  const batches = Math.ceil(o.n / o.batch);
  let nextBatch = 0;
  let spans = 0;
  let lastLog = t0;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (nextBatch < batches) {
      const k = nextBatch++;
      const from = k * o.batch;
      const to = Math.min(o.n, from + o.batch);
      // Pacing, not waiting on an outcome: the export is due when its last request has been made.
      const due = t0 + (to * 1000) / o.rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const reqs = [];
      for (let i = from; i < to; i++) {
        const r = generateRequest(o.gen, i, t0 - END_SLACK_MS + (i * 1000) / o.rate);
        entries[i] = r.entry;
        for (const s of r.spans.values()) spans += s.length;
        reqs.push(r);
      }
      const res = await fetch(`${o.otlpHttpUrl}/v1/traces`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(otlpBody(reqs)),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`the Collector at ${o.otlpHttpUrl} refused export ${k} (requests ${from}-${to - 1}): ${res.status} ${(await res.text()).slice(0, 300)}`);
      await res.body?.cancel();
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        o.log?.(`[bench-verdict] pushed ${to} of ${o.n} requests`);
      }
    }
  }));
  const wall = (Date.now() - t0) / 1000;
  return { entries, spans, wall_s: wall, achieved_rps: o.n / wall };
}

/** Spans the Collector's exporter to tenant full has sent on to Tempo (its own counter). */
export async function exportedToFull(telemetryUrl: string): Promise<number> {
  const res = await fetch(telemetryUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Collector telemetry at ${telemetryUrl} answered ${res.status}`);
  const samples = parsePromText(await res.text());
  const where = { exporter: 'otlp_grpc/tempo-full' };
  return sumOf(samples, 'otelcol_exporter_sent_spans_total', where) + sumOf(samples, 'otelcol_exporter_sent_spans', where);
}

/** Waits until the Collector has handed every pushed span to Tempo's tenant full: a cheap signal before asking Tempo. */
export async function waitForExport(telemetryUrl: string, spans: number, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const sent = await exportedToFull(telemetryUrl);
    if (sent < spans) throw new Error(`${sent} of ${spans} spans sent to tenant full`);
    return true;
  }, { what: `the Collector to send all ${spans} spans to Tempo tenant full`, timeoutMs });
}
