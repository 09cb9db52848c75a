import { Spans } from '../../target-pipeline/semconv.ts';
import { waitFor } from '../../stack/wait.ts';
import type { TempoClient, TimeRange } from '../tempo/client.ts';

/** Every pipeline trace has this root; searching for it lists a tenant's traces. */
/** A sampled tenant counts as settled once its count has not moved for this long. */
export const SETTLE_QUIET_MS = 2_500;

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
 * The traces a sampled tenant kept. Tail sampling decides decision_wait after a
 * trace's first span, so the set is read once that has passed for the last request
 * and it has stopped growing between two reads.
 */
export async function settledKeptSet(client: TempoClient, range: TimeRange, notBefore: number, timeoutMs: number): Promise<Set<string>> {
  let last = -1;
  let changedAt = Date.now();
  const found = await waitFor(async () => {
    const got = await client.searchAll(ROOT_QUERY, range);
    if (got.size !== last) changedAt = Date.now();
    last = got.size;
    const settled = Date.now() >= notBefore && Date.now() - changedAt >= SETTLE_QUIET_MS;
    if (!settled) throw new Error(`${got.size} kept so far`);
    return got;
  }, { what: `tenant ${client.tenant} to settle`, timeoutMs });
  return new Set(found.keys());
}

export async function matchedBy(full: TempoClient, query: string, range: TimeRange): Promise<Set<string>> {
  return new Set((await full.searchAll(query, range)).keys());
}
