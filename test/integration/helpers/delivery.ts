/**
 * Shared by the reliability tests: a k6 load at a constant arrival rate, and the check
 * that a ledger's traces reached Tempo whole (every span the request must have made).
 */
import path from 'node:path';
import { attrsToRecord, spansOf, type TempoClient } from '../../../assertions/tempo/client.ts';
import { lackingSpans } from '../../../assertions/verdict/collect.ts';
import { ManagedProcess } from '../../../stack/process.ts';
import { REPO_ROOT, requireTool } from '../../../stack/tools.ts';
import { Attr, EVERY_REQUEST_SPANS, Spans } from '../../../target-pipeline/semconv.ts';
import { SDK_DIAG_PREFIX } from '../../../target-pipeline/telemetry/sdk.ts';


/** Lines of the SDK's own errors shown at most, each cut to SDK_ERROR_LINE_CHARS. */
const SDK_ERROR_LINES = 5;
const SDK_ERROR_LINE_CHARS = 240;

/**
 * What the services' own OpenTelemetry SDKs said went wrong (an export given up on drops
 * its spans before any Collector sees them), for a loss's message; '' when they said nothing.
 */
export function sdkErrors(processes: Iterable<ManagedProcess>): string {
  const lines = [...processes].flatMap((p) => p.logText().split('\n').filter((l) => l.includes(SDK_DIAG_PREFIX)));
  if (!lines.length) return '';
  return `; the services' own exporters reported ${lines.length} error(s), so a loss may be theirs, before the Collector: `
    + lines.slice(0, SDK_ERROR_LINES).map((l) => l.slice(0, SDK_ERROR_LINE_CHARS)).join(' | ');
}

/** Starts bench/load.ts (constant arrival rate, no faults) against a gateway; await `.exited`. */
export function startK6Load(gatewayUrl: string, rate: number, durationS: number, runDir: string, label: string): ManagedProcess {
  return ManagedProcess.start({
    name: `k6-${label}`, command: requireTool('k6'), cwd: REPO_ROOT, logDir: path.join(runDir, 'logs'),
    args: ['run', '--no-color', path.join(REPO_ROOT, 'bench/load.ts')],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', GATEWAY_URL: gatewayUrl, RATE: String(rate), DURATION: `${durationS}s` },
  });
}

/**
 * What a trace lacks, or [] when it is whole: the spans every request makes, db_fallback
 * when its feature extraction missed the cache, and the parent of every non-root span.
 */
export function missingSpans(spans: ReturnType<typeof spansOf>): string[] {
  // A name the contract holds twice and the trace lacks twice is listed once.
  const out = [...new Set(lackingSpans(spans.map((s) => s.name), EVERY_REQUEST_SPANS))];
  const names = new Set(spans.map((s) => s.name));
  const fe = spans.find((s) => s.name === Spans.featureExtraction);
  if (fe && Number(attrsToRecord(fe.attributes)[Attr.featuresCacheMisses] ?? 0) > 0 && !names.has(Spans.dbFallback)) out.push(Spans.dbFallback);
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) if (s.parentSpanId && !ids.has(s.parentSpanId)) out.push(`parent of ${s.name}`);
  return out;
}

export interface Completeness {
  /** Trace ids Tempo does not have at all. */
  missing: string[];
  /** Trace ids Tempo has without every span. */
  incomplete: { id: string; lacks: string[] }[];
  spans: number;
}

/** Looks every id up in the tenant (by id, a few at a time) and says what is missing. */
export async function completeness(tenant: TempoClient, ids: string[]): Promise<Completeness> {
  const out: Completeness = { missing: [], incomplete: [], spans: 0 };
  const traces = await tenant.tracesById(ids);
  for (const id of ids) {
    const t = traces.get(id);
    if (!t) {
      out.missing.push(id);
      continue;
    }
    const spans = spansOf(t);
    out.spans += spans.length;
    const lacks = missingSpans(spans);
    if (lacks.length) out.incomplete.push({ id, lacks });
  }
  return out;
}

export function describeLoss(c: Completeness, total: number): string {
  const eg = c.missing[0] ?? (c.incomplete[0] ? `${c.incomplete[0].id} lacks ${c.incomplete[0].lacks.join(', ')}` : '');
  return `${c.missing.length} of ${total} traces missing, ${c.incomplete.length} incomplete${eg ? ` (e.g. ${eg})` : ''}`;
}
