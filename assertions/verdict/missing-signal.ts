/**
 * Why a detection query missed faulted traces, measured on a few of the missed traces as
 * tenant full holds them: does each signal the query names (a span name, a span
 * attribute) exist there at all? A recall failure then says "signal X missing" when an
 * instrumentation point regressed, or "signals present" when only the values disagree
 * with the query. Pure: the caller fetches the traces.
 */

/** A span as this needs it: its name and span-scope attributes. */
export interface SpanFacts {
  name: string;
  attributes: Record<string, unknown>;
}

/** The span names (`name = "x"`) and span attributes (`span.x`) a TraceQL query refers to. */
export function querySignals(query: string): { spans: string[]; attrs: string[] } {
  const uniq = (re: RegExp) => [...new Set([...query.matchAll(re)].map((m) => m[1]!))];
  return { spans: uniq(/\bname\s*=\s*"([^"]+)"/g), attrs: uniq(/\bspan\.([A-Za-z0-9_.]+)/g) };
}

/**
 * One line on the missed traces inspected (null: not in tenant full at all), naming each
 * signal of the query that none of them carries. The span an absent attribute belongs on
 * is found in the traces themselves: the spans carrying the query's other attributes,
 * else the spans whose name prefixes the attribute (ml.inference for ml.inference.*).
 */
export function explainMissed(query: string, traces: (SpanFacts[] | null)[]): string {
  if (traces.length === 0) return '';
  const found = traces.filter((t): t is SpanFacts[] => t !== null);
  const n = found.length;
  if (n === 0) return `none of the ${traces.length} missed traces inspected is in tenant full (lost in delivery, not in instrumentation)`;
  const of = `${n} missed trace${n === 1 ? '' : 's'} inspected`;
  const { spans, attrs } = querySignals(query);
  const missing: string[] = [];
  const partial: string[] = [];
  for (const s of spans) {
    const k = found.filter((t) => t.some((x) => x.name === s)).length;
    if (k === 0) missing.push(`signal ${s} missing: no ${s} span in any of ${of}`);
    else if (k < n) partial.push(`${s} span in ${k} of ${n}`);
  }
  for (const a of attrs) {
    const k = found.filter((t) => t.some((x) => a in x.attributes)).length;
    if (k === 0) {
      const others = attrs.filter((o) => o !== a);
      let hosts = new Set(found.flat().filter((x) => others.some((o) => o in x.attributes)).map((x) => x.name));
      if (hosts.size === 0) hosts = new Set(found.flat().filter((x) => a.startsWith(`${x.name}.`)).map((x) => x.name));
      missing.push(hosts.size
        ? `signal ${a} missing on every ${[...hosts].sort().join(' / ')} span of ${of}`
        : `signal ${a} missing: on no span of ${of}`);
    } else if (k < n) partial.push(`${a} on ${k} of ${n}`);
  }
  if (missing.length) return [...missing, ...partial].join('; ');
  if (partial.length) return `signals present on some of ${of} only: ${partial.join('; ')}`;
  return `signals ${[...spans, ...attrs].join(', ')} present in all ${of}: their values do not satisfy the query`;
}
