/**
 * Where a service's CPU time went, from a V8 CPU profile (`node --cpu-prof`): each sample
 * is charged to the nearest frame on its stack that belongs to a known part (an
 * OpenTelemetry package, the pipeline's own code, another library), so that the time
 * spent in Node's internals or in natives (JSON.stringify, a socket write) counts for
 * whoever called them. Only samples inside a time window count, so start-up and warm-up
 * stay out.
 */

/** The parts the time is charged to, in the order a report lists them. */
export const PARTS = [
  'spans', 'context', 'propagation', 'otel api', 'span processor', 'export: serialise', 'export: send', 'metrics',
  'app', 'libraries', 'node', 'gc', 'program',
] as const;
export type Part = (typeof PARTS)[number];
/** The parts that exist only because tracing is on (the api's no-op calls remain when it is off). */
export const TRACING_PARTS: readonly Part[] = ['spans', 'context', 'propagation', 'span processor', 'export: serialise', 'export: send', 'metrics'];
const EXPORT_PARTS: readonly Part[] = ['span processor', 'export: serialise', 'export: send'];

/** What `node --cpu-prof` writes (the fields read here). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  /** Microseconds, on the monotonic clock process.hrtime reads. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time in the window that was not idle, ms. */
  busy_ms: number;
  by_part_ms: Record<Part, number>;
  /** Longest run of back-to-back samples in the span processor or the exporter: how long one export held the event loop, ms. */
  longest_export_ms: number;
}

/** The part a frame belongs to; undefined for a frame that is charged to its caller (Node internals, natives). */
export function partOfFrame(functionName: string, url: string): Part | undefined {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program';
  if (url === '' || url.startsWith('node:')) return undefined;
  const otel = /\/node_modules\/@opentelemetry\/([^/]+)\/(.*)$/.exec(url);
  if (otel) {
    const pkg = otel[1]!;
    const file = otel[2]!;
    if (pkg === 'sdk-trace') return file.includes('/export/') ? 'span processor' : 'spans';
    if (pkg === 'context-async-hooks') return 'context';
    if (pkg === 'api') return 'otel api';
    if (pkg === 'core') return /propagation|W3C|baggage/i.test(file) ? 'propagation' : 'spans';
    if (pkg === 'sdk-metrics') return 'metrics';
    if (pkg === 'otlp-transformer') return file.includes('/metrics/') ? 'metrics' : 'export: serialise';
    if (pkg === 'otlp-exporter-base' || pkg.startsWith('exporter-')) return 'export: send';
    return 'spans';
  }
  if (url.includes('/node_modules/')) return 'libraries';
  return 'app';
}

/**
 * Charges the profile's samples between from and to (µs, the profile's clock) to the parts.
 * A sample stands for the time until the next one, but at most capMs: V8 samples on the
 * wall clock, so where the thread waited for a core (two cores, a dozen busy processes) the
 * gap to the next sample is mostly waiting, and capping it at the sampling interval counts
 * the sample as one interval of work instead.
 */
export function summariseProfile(p: CpuProfile, from = -Infinity, to = Infinity, capMs = Infinity): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Part | 'idle'>();
  const partOf = (id: number): Part | 'idle' => {
    const known = memo.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const part = n.callFrame.functionName === '(idle)' ? 'idle'
      : partOfFrame(n.callFrame.functionName, n.callFrame.url) ?? (parent.has(id) ? partOf(parent.get(id)!) : 'node');
    memo.set(id, part);
    return part;
  };
  const by = Object.fromEntries(PARTS.map((k) => [k, 0])) as Record<Part, number>;
  let busy = 0;
  let run = 0;
  let longest = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < from || t > to) continue;
    // A sample stands for the time until the next one.
    const dt = Math.min((p.timeDeltas[i + 1] ?? 0) / 1000, capMs);
    const part = partOf(p.samples[i]!);
    if (part !== 'idle') {
      by[part] += dt;
      busy += dt;
    }
    run = part !== 'idle' && EXPORT_PARTS.includes(part) ? run + dt : 0;
    longest = Math.max(longest, run);
  }
  return { busy_ms: busy, by_part_ms: by, longest_export_ms: longest };
}
