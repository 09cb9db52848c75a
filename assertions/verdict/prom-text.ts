/**
 * The Prometheus text exposition format, read into samples. Both of the Collector's
 * endpoints speak it: its own telemetry (the tail samplers' counters) and the
 * Prometheus exporter (the pipeline's OTel metrics).
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric name, then (optionally) its labels, then the value: read in this order by sticky regexes. */
const NAME = /\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/y;
/** One label pair, then a comma or the closing brace (a trailing comma is allowed). */
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\.)*)"\s*(?:,|(?=\}))/y;
/** The value, then an optional timestamp (integer milliseconds, negative before 1970). */
const VALUE = /\s+(\S+)(?:\s+-?\d+)?\s*$/y;
/** The format's three escapes in a label value; any other escaped character stands for itself. */
const ESCAPE = /\\(.)/g;

/**
 * A sample value as Go's ParseFloat reads it, which the format defers to: +Inf, -Inf and
 * NaN (any case) besides ordinary numbers. Undefined when it is not a number at all.
 */
export function parseSampleValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case '+inf': case 'inf': case '+infinity': case 'infinity': return Infinity;
    case '-inf': case '-infinity': return -Infinity;
    case 'nan': return NaN;
  }
  const x = Number(text);
  return Number.isNaN(x) ? undefined : x;
}

export function unescapeLabelValue(raw: string): string {
  return raw.replace(ESCAPE, (_, c: string) => (c === 'n' ? '\n' : c));
}

const skipBlanks = (line: string, at: number): number => {
  while (line[at] === ' ' || line[at] === '\t') at += 1;
  return at;
};

/** One sample line, or undefined when the line is not one (malformed lines are skipped). */
function parseSampleLine(line: string): PromSample | undefined {
  NAME.lastIndex = 0;
  const name = NAME.exec(line);
  if (!name) return undefined;
  let at = NAME.lastIndex;
  const labels: Record<string, string> = {};
  if (line[skipBlanks(line, at)] === '{') {
    at = skipBlanks(line, at) + 1;
    for (;;) {
      LABEL.lastIndex = at;
      const m = LABEL.exec(line);
      if (!m) break;
      labels[m[1]!] = unescapeLabelValue(m[2]!);
      at = LABEL.lastIndex;
    }
    at = skipBlanks(line, at);
    if (line[at] !== '}') return undefined;
    at += 1;
  }
  VALUE.lastIndex = at;
  const v = VALUE.exec(line);
  const value = v ? parseSampleValue(v[1]!) : undefined;
  return value === undefined ? undefined : { name: name[1]!, labels, value };
}

export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) out.push(sample);
  }
  return out;
}

/** Sum of every sample of `name` whose labels include all of `where`. */
export function sumOf(samples: PromSample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export async function scrape(url: string): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parsePromText(await res.text());
}
