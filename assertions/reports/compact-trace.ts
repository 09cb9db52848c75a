/**
 * A trace as the report's trace browser shows it: spans depth first (children in start
 * order, as Tempo's trace view lists them), each with its parent's index, times in ms from
 * the trace's first span, every attribute and event; resource attributes once per
 * service instead of once per span. Pure.
 */
import type { OtlpAttribute, OtlpSpan, OtlpTrace } from '../tempo/client.ts';
import { spansOf } from '../tempo/client.ts';

export type AttrValue = string | number | boolean;

export interface ReportSpan {
  name: string;
  service: string;
  /** 'server', 'client', 'internal'... (Tempo's SPAN_KIND_* without the prefix). */
  kind: string;
  /** Index of the parent in the trace's span list; -1 for a root (or a parent not in the trace). */
  parent: number;
  depth: number;
  start_ms: number;
  duration_ms: number;
  status: 'error' | 'ok' | 'unset';
  status_message?: string;
  attributes: Record<string, AttrValue>;
  events: { name: string; at_ms: number; attributes: Record<string, AttrValue> }[];
}

type LooseValue = OtlpAttribute['value'] & { arrayValue?: { values?: LooseValue[] } };

/** An attribute's value; an array (an event's sample ids) as its items joined. */
function valueOf(v: LooseValue): AttrValue | undefined {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => String(valueOf(x) ?? '')).join(', ');
  return undefined;
}

export function attributes(attrs: OtlpAttribute[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const a of attrs ?? []) {
    const v = valueOf(a.value as LooseValue);
    if (v !== undefined) out[a.key] = v;
  }
  return out;
}

const nanosToMs = (n: string): number => Number(BigInt(n) / 1000n) / 1000;
const round = (x: number): number => Number(x.toFixed(3));

function kindOf(k: OtlpSpan['kind']): string {
  if (typeof k === 'string') return k.replace(/^SPAN_KIND_/, '').toLowerCase();
  return ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'][k ?? 1] ?? 'internal';
}

function statusOf(s: OtlpSpan['status']): ReportSpan['status'] {
  const c = s?.code;
  if (c === 2 || c === 'STATUS_CODE_ERROR') return 'error';
  if (c === 1 || c === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

export function compactTrace(trace: OtlpTrace): { resources: Record<string, Record<string, AttrValue>>; spans: ReportSpan[] } {
  const resources: Record<string, Record<string, AttrValue>> = {};
  for (const rs of trace.resourceSpans ?? []) {
    const r = attributes(rs.resource?.attributes);
    resources[String(r['service.name'] ?? '')] ??= r;
  }
  const spans = spansOf(trace);
  if (spans.length === 0) return { resources, spans: [] };
  const ids = new Set(spans.map((s) => s.spanId));
  const byParent = new Map<string, typeof spans>();
  for (const s of spans) {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    byParent.set(p, [...(byParent.get(p) ?? []), s]);
  }
  const t0 = Math.min(...spans.map((s) => nanosToMs(s.startTimeUnixNano)));
  const out: ReportSpan[] = [];
  const visit = (parentId: string, parentIndex: number, depth: number): void => {
    const kids = (byParent.get(parentId) ?? []).sort((a, b) => nanosToMs(a.startTimeUnixNano) - nanosToMs(b.startTimeUnixNano));
    for (const s of kids) {
      const start = nanosToMs(s.startTimeUnixNano);
      const index = out.length;
      out.push({
        name: s.name, service: s.serviceName, kind: kindOf(s.kind), parent: parentIndex, depth,
        start_ms: round(start - t0), duration_ms: round(nanosToMs(s.endTimeUnixNano) - start),
        status: statusOf(s.status), ...(s.status?.message ? { status_message: s.status.message } : {}),
        attributes: attributes(s.attributes),
        events: (s.events ?? []).map((e) => ({ name: e.name, at_ms: round(nanosToMs(e.timeUnixNano) - t0), attributes: attributes(e.attributes) })),
      });
      visit(s.spanId, index, depth + 1);
    }
  };
  visit('', -1, 0);
  return { resources, spans: out };
}
