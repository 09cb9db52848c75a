import type { OtlpSpan, OtlpTrace } from '../tempo/client.ts';
import { attrsToRecord, spansOf } from '../tempo/client.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';

export interface WaterfallRow {
  depth: number;
  name: string;
  service: string;
  startMs: number;
  durationMs: number;
  notes: string[];
  error: boolean;
}

const ms = (nanos: string): number => Number(BigInt(nanos) / 1000n) / 1000;

/** Attributes worth printing beside a span, like the seed's section 6 drawing. */
function notesFor(s: OtlpSpan): string[] {
  const a = attrsToRecord(s.attributes);
  const out: string[] = [];
  if (s.name === Spans.inference) {
    out.push(`queue_wait ${a[Attr.queueWaitMs]} ms`, `forward_pass ${a[Attr.forwardPassMs]} ms`, `batch ${a[Attr.batchSize]}`, `device ${a[Attr.deviceType]}`);
  }
  if (s.name === Spans.featureExtraction) out.push(`cache ${a[Attr.featuresCacheHits]} hit / ${a[Attr.featuresCacheMisses]} miss`);
  if (s.name === Spans.dbFallback) out.push('store fallback');
  if (s.name === Spans.tokenizerInit) out.push('cold start');
  if (s.name === Spans.postProcessing) out.push(`validation_attempts ${a[Attr.validationAttempts]}`);
  if (s.name === Spans.batchAssembly) out.push(`batch wait ${a[Attr.batchWaitMs]} ms`);
  return out;
}

/** Depth-first rows of a trace, children in start order, times relative to the root. */
export function waterfall(trace: OtlpTrace): WaterfallRow[] {
  const spans = spansOf(trace);
  if (spans.length === 0) return [];
  const byParent = new Map<string, typeof spans>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    byParent.set(p, [...(byParent.get(p) ?? []), s]);
  }
  const t0 = Math.min(...spans.map((s) => ms(s.startTimeUnixNano)));
  const rows: WaterfallRow[] = [];
  const visit = (parent: string, depth: number): void => {
    const kids = (byParent.get(parent) ?? []).sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
    for (const s of kids) {
      rows.push({
        depth, name: s.name, service: s.serviceName,
        startMs: ms(s.startTimeUnixNano) - t0,
        durationMs: ms(s.endTimeUnixNano) - ms(s.startTimeUnixNano),
        notes: notesFor(s),
        error: s.status?.code === 2 || s.status?.code === 'STATUS_CODE_ERROR',
      });
      visit(s.spanId, depth + 1);
    }
  };
  visit('', 0);
  return rows;
}

/** A text drawing for the terminal: tree, duration, share of the root, notes. */
export function textWaterfall(rows: WaterfallRow[]): string {
  const total = rows[0]?.durationMs ?? 0;
  return rows.map((r) => {
    const label = `${'  '.repeat(r.depth)}${r.depth ? '└ ' : ''}${r.name}`;
    const share = total > 0 ? `${Math.round((r.durationMs / total) * 100)}%`.padStart(5) : '';
    return `${label.padEnd(34)} ${r.durationMs.toFixed(1).padStart(8)} ms ${share}  ${r.notes.join(', ')}${r.error ? '  ERROR' : ''}`;
  }).join('\n');
}
