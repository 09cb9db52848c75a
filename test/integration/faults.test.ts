/**
 * With each fault enabled, do the affected requests (by the ledger) show that fault's
 * natural signal in their traces, and the unaffected ones not? And does DELETE /faults
 * bring latency back to the baseline?
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { median } from '../../assertions/stats.ts';
import { attrsToRecord, spansOf, type OtlpSpan } from '../../assertions/tempo/client.ts';
import { matchedBy, waitForAllTraces } from '../../assertions/verdict/collect.ts';
import { waitFor } from '../../stack/wait.ts';
import { entityIdFor } from '../../target-pipeline/feature-extractor/entity-id.ts';
import { Attr, EVERY_REQUEST_SPANS, Events, Spans } from '../../target-pipeline/semconv.ts';
import { admin, predictBody, useTestRig } from './helpers/pipeline.ts';

const ENTITIES = 40;
const LATENCY_TOLERANCE = 0.05;
const WARM_REQUESTS = 100;
const RESET_ROUNDS = 30;
const ROUND_SAMPLE = 8;
const SETTLE_REQUESTS = 2;

/** A fault kept outside faults/, loaded the way a team would add its own. */
const FIXTURE_FAULT = 'test/fixtures/faults/hot-key-eviction.ts';

const rig = useTestRig({ HARNESS_EXTRA_FAULTS: FIXTURE_FAULT });

const entity = (i: number) => entityIdFor(i % ENTITIES);

async function send(n: number, concurrency = 1, offset = 0): Promise<LedgerEntry[]> {
  const before = (await admin(rig.pipeline, 'GET', '/ledger?after=0&limit=10000')).json;
  const cursor = before.entries.at(-1)?.seq ?? 0;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(predictBody({ feature_ids: [entity(i + offset)] })),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (await admin(rig.pipeline, 'GET', `/ledger?after=${cursor}&limit=10000`)).json.entries;
}

async function spansFor(e: LedgerEntry): Promise<(OtlpSpan & { serviceName: string })[]> {
  return waitFor(async () => {
    const t = await rig.full.traceById(e.trace_id);
    const spans = t ? spansOf(t) : [];
    // Each service exports on its own schedule: wait for every service's spans.
    return EVERY_REQUEST_SPANS.every((n) => spans.some((s) => s.name === n)) ? spans : undefined;
  }, { what: `trace ${e.trace_id} complete in tenant full`, timeoutMs: 60_000 });
}

const attr = (spans: OtlpSpan[], name: string, key: string) => attrsToRecord(spans.find((s) => s.name === name)?.attributes)[key];

async function prime(): Promise<void> {
  const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(predictBody({ feature_ids: Array.from({ length: 32 }, (_, i) => entity(i)) })),
  });
  expect(res.status).toBe(200);
  await send(ENTITIES);
}

beforeAll(async () => {
  await prime();
  await send(WARM_REQUESTS); // JIT and caches warm before anything is measured
});

describe('each fault shows its natural signal on the affected requests only', () => {
  it('cache-eviction: affected requests fall back to the store (db_fallback, cache misses); others hit the cache', async () => {
    const on = await admin(rig.pipeline, 'PUT', '/faults/cache-eviction', { mode: 'fraction', fraction: 0.5, seed: 7 });
    expect(on.status).toBe(200);
    expect(on.json.counters.entries_evicted).toBeGreaterThan(0);
    const entries = await send(24);
    await admin(rig.pipeline, 'DELETE', '/faults');
    const hit = entries.filter((e) => e.faults.includes('cache-eviction'));
    expect(hit.length).toBeGreaterThan(0);
    expect(hit.length).toBeLessThan(entries.length);
    for (const e of entries) {
      const spans = await spansFor(e);
      const faulted = e.faults.includes('cache-eviction');
      expect(spans.some((s) => s.name === Spans.dbFallback), `${e.trace_id} db_fallback`).toBe(faulted);
      expect(Number(attr(spans, Spans.featureExtraction, Attr.featuresCacheMisses)) > 0).toBe(faulted);
    }
  });

  it('gpu-starvation: queued requests wait longer than their forward pass; requests before it did not', async () => {
    const before = await send(6);
    const on = await admin(rig.pipeline, 'PUT', '/faults/gpu-starvation', { slots: 1, competing_jobs: 2, competing_batch_size: 8, competing_seq_len: 64 });
    expect(on.status).toBe(200);
    const entries = await send(16, 2);
    const status = await admin(rig.pipeline, 'GET', '/faults');
    await admin(rig.pipeline, 'DELETE', '/faults');
    expect(status.json.faults.find((f: { name: string }) => f.name === 'gpu-starvation').counters.competing_batches).toBeGreaterThan(0);
    const hit = entries.filter((e) => e.faults.includes('gpu-starvation'));
    expect(hit.length).toBeGreaterThan(entries.length / 2);
    for (const e of [...before, ...entries]) {
      const spans = await spansFor(e);
      const q = Number(attr(spans, Spans.inference, Attr.queueWaitMs));
      const f = Number(attr(spans, Spans.inference, Attr.forwardPassMs));
      expect(q > f, `${e.trace_id}: queue ${q} ms vs forward ${f} ms, faults ${e.faults}`).toBe(e.faults.includes('gpu-starvation'));
    }
  });

  it('output-corruption: corrupted requests need >= 2 validation attempts, with failure events, and still answer 200', async () => {
    expect((await admin(rig.pipeline, 'PUT', '/faults/output-corruption', { rate: 0.5, seed: 3 })).status).toBe(200);
    const entries = await send(20);
    await admin(rig.pipeline, 'DELETE', '/faults');
    expect(entries.every((e) => e.status === 200)).toBe(true);
    const hit = entries.filter((e) => e.faults.includes('output-corruption'));
    expect(hit.length).toBeGreaterThan(0);
    for (const e of entries) {
      const spans = await spansFor(e);
      const attempts = Number(attr(spans, Spans.postProcessing, Attr.validationAttempts));
      const events = spans.find((s) => s.name === Spans.postProcessing)?.events?.filter((ev) => ev.name === Events.validationFailed) ?? [];
      expect(attempts >= 2, `${e.trace_id}: ${attempts} attempts`).toBe(e.faults.includes('output-corruption'));
      expect(events.length > 0).toBe(e.faults.includes('output-corruption'));
    }
  });

  it('tokenizer-reload: exactly the requests that rebuilt the tokenizer carry a tokenizer_init span', async () => {
    expect((await admin(rig.pipeline, 'PUT', '/faults/tokenizer-reload', { every_n: 3 })).status).toBe(200);
    const entries = await send(15);
    const status = await admin(rig.pipeline, 'GET', '/faults');
    await admin(rig.pipeline, 'DELETE', '/faults');
    expect(entries.filter((e) => e.faults.includes('tokenizer-reload'))).toHaveLength(5);
    expect(status.json.faults.find((f: { name: string }) => f.name === 'tokenizer-reload').counters.rebuilds).toBeGreaterThanOrEqual(5);
    for (const e of entries) {
      const spans = await spansFor(e);
      expect(spans.some((s) => s.name === Spans.tokenizerInit), e.trace_id).toBe(e.faults.includes('tokenizer-reload'));
    }
  });
});

describe(`a fault that is only a module (${FIXTURE_FAULT})`, () => {
  it('should be toggled, counted, joined into the ledger and found by its detection query with nothing else edited', async () => {
    const listed = (await admin(rig.pipeline, 'GET', '/faults')).json.faults.find((f: { name: string }) => f.name === 'hot-key-eviction');
    expect(listed).toMatchObject({ owner: 'feature-extractor', enabled: false });
    // Entries an earlier test's fault evicted stay missing until looked up: refill them,
    // so that every store fallback below is this fault's.
    await prime();
    const t0 = Date.now() / 1000;
    expect((await admin(rig.pipeline, 'PUT', '/faults/hot-key-eviction', { probability: 0.4, seed: 5 })).status).toBe(200);
    const entries = await send(30);
    const counters = (await admin(rig.pipeline, 'GET', '/faults')).json.faults.find((f: { name: string }) => f.name === 'hot-key-eviction').counters;
    await admin(rig.pipeline, 'DELETE', '/faults');
    const hit = entries.filter((e) => e.faults.includes('hot-key-eviction'));
    expect(hit.length).toBe(counters.requests_hit);
    expect(hit.length).toBeGreaterThan(0);
    expect(hit.length).toBeLessThan(entries.length);
    for (const e of entries) await spansFor(e);
    const range = { start: t0 - 1, end: Date.now() / 1000 + 1 };
    await waitForAllTraces(rig.full, entries.map((e) => e.trace_id), range, 60_000);
    const ids = new Set(entries.map((e) => e.trace_id));
    const matched = [...await matchedBy(rig.full, `{ name = "${Spans.dbFallback}" }`, range)].filter((id) => ids.has(id));
    expect(matched.sort()).toEqual(hit.map((e) => e.trace_id).sort());
  });
});

describe('admin API through the running pipeline', () => {
  it('should reject every bad knob with 400 naming the field and the allowed range', async () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['cache-eviction', { fraction: 2 }, 'fraction', /above 0 and at most 1/],
      ['gpu-starvation', { slots: 0 }, 'slots', /from 1 to 2/],
      ['output-corruption', { rate: -0.1 }, 'rate', /from 0 to 1/],
      ['tokenizer-reload', { every_n: 'often' }, 'every_n', /integer from 0 to/],
    ];
    for (const [fault, knobs, field, msg] of cases) {
      const r = await admin(rig.pipeline, 'PUT', `/faults/${fault}`, knobs);
      expect(r.status, fault).toBe(400);
      expect(r.json.field).toBe(field);
      expect(r.json.error).toMatch(msg);
    }
    const status = await admin(rig.pipeline, 'GET', '/faults');
    expect(status.json.faults.every((f: { enabled: boolean }) => !f.enabled)).toBe(true);
  });

  it('should refuse a request without the token', async () => {
    expect((await admin(rig.pipeline, 'GET', '/faults', undefined, '')).status).toBe(401);
  });
});

/** Competing batches of gpu-starvation still running (its counters' competing_in_flight). */
async function inFlight(): Promise<number> {
  const r = await admin(rig.pipeline, 'GET', '/faults');
  const f = (r.json.faults as { name: string; counters: Record<string, number> }[]).find((x) => x.name === 'gpu-starvation');
  const v = f?.counters.competing_in_flight;
  if (v === undefined) throw new Error('gpu-starvation reports no competing_in_flight');
  return v;
}

describe('reset', () => {
  it('should bring latency back to at most 5% above the baseline median after DELETE /faults', async () => {
    // Fine-grained alternation (a few requests before, the faults on, DELETE, a few
    // after, many rounds) so that drift in this shared machine's load falls on both
    // sides alike: an A/A run of this design differs by about 1%. The faults in the
    // cycle reset at once; cache-eviction is left out because its evicted entries only
    // come back on their next lookup, by design.
    const before: number[] = [];
    const during: number[] = [];
    const after: number[] = [];
    for (let round = 0; round < RESET_ROUNDS; round++) {
      before.push(...(await send(ROUND_SAMPLE)).map((e) => e.latency_ms));
      await admin(rig.pipeline, 'PUT', '/faults/gpu-starvation', { slots: 1, competing_jobs: 2, competing_batch_size: 8, competing_seq_len: 64 });
      await admin(rig.pipeline, 'PUT', '/faults/tokenizer-reload', { every_n: 1 });
      during.push(...(await send(2)).map((e) => e.latency_ms));
      expect((await admin(rig.pipeline, 'DELETE', '/faults')).status).toBe(200);
      // A competing batch still finishing is the fault's aftermath, not its lasting effect:
      // wait until none is in flight (the fault's own gauge), then let a couple of requests
      // carry the garbage of the rebuilt tokenizers away.
      await waitFor(async () => ((await inFlight()) === 0 ? true : undefined), { what: 'no competing batch in flight after DELETE /faults', timeoutMs: 30_000 });
      await send(SETTLE_REQUESTS);
      after.push(...(await send(ROUND_SAMPLE)).map((e) => e.latency_ms));
    }
    const [b, d, a] = [median(before), median(during), median(after)];
    console.log(`reset: baseline median ${b} ms, with faults ${d} ms, after DELETE ${a} ms (${(((a - b) / b) * 100).toFixed(1)}%, ${RESET_ROUNDS} alternating rounds)`);
    // The measurement can see a fault: with it on, the median moves well past 5%.
    expect(d, `baseline ${b} ms, with faults ${d} ms`).toBeGreaterThan(b * (1 + LATENCY_TOLERANCE));
    // One-sided: what a reset must remove is the fault's cost. A median below the baseline
    // cannot come from a fault left behind (a loaded 2-core machine gave -6.3% once, with
    // another process's load falling on the baseline rounds).
    expect((a - b) / b, `baseline ${b} ms, after reset ${a} ms`).toBeLessThanOrEqual(LATENCY_TOLERANCE);
  });
});
