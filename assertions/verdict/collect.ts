import { Spans } from '../../target-pipeline/semconv.ts';
import { waitFor } from '../../stack/wait.ts';
import { spansOf, type OtlpTrace, type TempoClient, type TimeRange } from '../tempo/client.ts';
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
