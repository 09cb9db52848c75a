import { Spans } from '../../target-pipeline/semconv.ts';
import { waitFor } from '../../stack/wait.ts';
import { SEARCH_ALL_LIMIT, spansOf, type OtlpTrace, type SearchHit, type TempoClient, type TimeRange } from '../tempo/client.ts';
import { readSamplerCounts, type SamplerCounts } from './collector-metrics.ts';

/** Every pipeline trace has this root; searching for it lists a tenant's traces. */
export const ROOT_QUERY = `{ name = "${Spans.pipelineRequest}" }`;

/**
 * Waits until every trace id of the run is searchable in tenant `full`: the signal is
 * the ids themselves, not a clock.
 */
export async function waitForAllTraces(full: TempoClient, ids: string[], range: TimeRange, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  await waitFor(async () => {
    const got = await full.searchAll(ROOT_QUERY, range);
    const missing = ids.filter((id) => !got.has(id));
    if (missing.length > 0) throw new Error(`${missing.length} of ${ids.length} traces not searchable yet, e.g. ${missing[0]}`);
    return true;
  }, { what: `all ${ids.length} traces of the run to be searchable in tenant ${full.tenant}`, timeoutMs });
  return performance.now() - t0;
}

/**
 * Waits until tail sampling is done and Tempo holds everything it kept, watching the
 * sampler's own counters rather than a clock: every trace the samplers received has a
 * decision, and the sampled tenants hold as many traces as the samplers kept. On a
 * deadline it returns what it saw (a shortfall is then a finding for the verdict, such
 * as a late span decided twice), instead of failing the run. `signal` ends the wait early
 * (the run failed elsewhere while it waited).
 */
export async function waitForSampling(
  tenants: TempoClient[], telemetryUrl: string, lifeRange: TimeRange, timeoutMs: number, signal?: AbortSignal,
): Promise<{ counts: SamplerCounts; held: number[]; settled: boolean }> {
  let last: { counts: SamplerCounts; held: number[] } | undefined;
  try {
    await waitFor(async () => {
      const counts = await readSamplerCounts(telemetryUrl);
      const held = await Promise.all(tenants.map(async (t) => (await t.searchAll('{ }', lifeRange)).size));
      last = { counts, held };
      const undecided = counts.receivedTotal - counts.sampledTotal - counts.notSampledTotal;
      if (undecided > 0) throw new Error(`${undecided} traces not decided yet`);
      const sum = held.reduce((a, b) => a + b, 0);
      if (sum < counts.sampledTotal) throw new Error(`Tempo holds ${sum} of the ${counts.sampledTotal} traces the samplers kept`);
      return true;
    }, { what: 'tail sampling to decide every trace and Tempo to hold every kept one', timeoutMs, abortIf: () => (signal?.aborted ? 'the run stopped' : undefined) });
    return { ...last!, settled: true };
  } catch (err) {
    if (!last || signal?.aborted) throw err;
    return { ...last, settled: false };
  }
}

export async function keptSet(client: TempoClient, range: TimeRange): Promise<Set<string>> {
  return new Set((await client.searchAll(ROOT_QUERY, range)).keys());
}

export async function matchedBy(full: TempoClient, query: string, range: TimeRange): Promise<Set<string>> {
  return new Set((await full.searchAll(query, range)).keys());
}

export interface WholeTraces {
  /** Kept traces compared span by span with tenant full. */
  checked: number;
  /** Kept traces that miss spans tenant full has, with both counts. */
  split: { trace_id: string; full: number; kept: number }[];
  /** The kept traces as the kept tenant returned them (for callers that read more of them). */
  traces: ReadonlyMap<string, OtlpTrace | undefined>;
}

/**
 * Whether each kept trace holds every span tenant full holds (`full`: those traces as
 * tenant full returned them): a tail sampler that decides before a trace's last span
 * arrives, or a topology that splits a trace across samplers, stores fragments that
 * still count as "kept".
 */
export async function wholeTraces(full: ReadonlyMap<string, OtlpTrace | undefined>, kept: TempoClient, ids: string[]): Promise<WholeTraces> {
  const k = await kept.tracesById(ids);
  const count = (t: OtlpTrace | undefined) => (t ? spansOf(t).length : 0);
  const split = ids.map((id) => ({ trace_id: id, full: count(full.get(id)), kept: count(k.get(id)) })).filter((x) => x.kept < x.full);
  return { checked: ids.length, split, traces: k };
}

/**
 * A search finds a stored trace within about 2 s of its end (make bench: median 1,980 ms);
 * the sampled tenants' counts must hold still longer than that to count as settled.
 */
export const SAMPLING_QUIET_MS = 3_000;

/**
 * The wait for tail sampling where the Collector's counters cannot be read (a team's own
 * Collector, STACK=external): first until `decidedBy` (epoch ms: the load's end plus the
 * longest time that Collector takes to store a decision, which its owner declares), then
 * until the sampled tenants' counts have not moved for SAMPLING_QUIET_MS. Whether Tempo
 * holds all the sampler kept stays unknown; the verdict says so.
 */
export async function waitForSamplingToSettle(
  tenants: TempoClient[], lifeRange: TimeRange, decidedBy: number, timeoutMs: number,
): Promise<{ held: number[]; settled: boolean }> {
  let last: number[] | undefined;
  let since = Date.now();
  try {
    await waitFor(async () => {
      const left = decidedBy - Date.now();
      if (left > 0) throw new Error(`${left} ms of the declared sampling wait left`);
      const held = await Promise.all(tenants.map(async (t) => (await t.searchAll('{ }', lifeRange)).size));
      if (!last || held.some((n, i) => n !== last![i])) {
        last = held;
        since = Date.now();
      }
      if (Date.now() - since < SAMPLING_QUIET_MS) throw new Error(`sampled tenants hold ${held.join(' + ')} traces, unchanged for ${Date.now() - since} ms`);
      return true;
    }, { what: `the sampled tenants to hold still for ${SAMPLING_QUIET_MS} ms after the declared sampling wait`, timeoutMs });
    return { held: last!, settled: true };
  } catch (err) {
    if (!last) throw err;
    return { held: last, settled: false };
  }
}

/**
 * More spans than one trace of the pipeline makes (11 to 16): a search asked for this many
 * spans per set returns every span of each trace it lists.
 */
export const SPANS_PER_TRACE_MAX = 100;

/** Distinct span ids over a search hit's span sets, or the count Tempo says matched, whichever is larger. */
export function hitSpanCount(hit: SearchHit): number {
  const sets = hit.spanSets ?? (hit.spanSet ? [hit.spanSet] : []);
  const ids = new Set(sets.flatMap((ss) => (ss.spans ?? []).map((sp) => sp.spanID)));
  return Math.max(ids.size, ...sets.map((ss) => ss.matched ?? 0));
}

/** Each trace's span count in a tenant, from one paged search of every span instead of a fetch per trace. */
export async function spanCounts(client: TempoClient, range: TimeRange): Promise<Map<string, number>> {
  const hits = await client.searchAll('{ }', range, SEARCH_ALL_LIMIT, SPANS_PER_TRACE_MAX);
  return new Map([...hits].map(([id, hit]) => [id, hitSpanCount(hit)]));
}

/**
 * The whole-trace check (see wholeTraces) at scale: span counts of both tenants from one
 * search each (`counts`, tenant full's then the kept tenant's, from spanCounts), and only
 * the traces whose counts differ fetched by id from both, so that every split reported is
 * counted span by span as wholeTraces counts it.
 */
export async function wholeBySearch(full: TempoClient, kept: TempoClient, ids: string[], counts: [Map<string, number>, Map<string, number>]): Promise<WholeTraces> {
  const [f, k] = counts;
  const suspects = ids.filter((id) => (k.get(id) ?? 0) < (f.get(id) ?? 0));
  const fullSuspects = await full.tracesById(suspects);
  const whole = await wholeTraces(fullSuspects, kept, suspects);
  return { ...whole, checked: ids.length };
}

/** The spans every request makes that a trace lacks (a name twice in the contract is needed twice). */
export function lackingSpans(names: readonly string[], every: readonly string[]): string[] {
  const have = new Map<string, number>();
  for (const n of names) have.set(n, (have.get(n) ?? 0) + 1);
  const out: string[] = [];
  for (const n of every) {
    const k = have.get(n) ?? 0;
    if (k > 0) have.set(n, k - 1);
    else out.push(n);
  }
  return out;
}
