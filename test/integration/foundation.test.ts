/**
 * Foundation: does a span emitted by an instrumented express service reach Tempo
 * through the Collector, in the `full` tenant always and in the `sampled` tenant
 * exactly when the seed's tail-sampling policies say so?
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { probabilisticKeeps } from '../../assertions/sampling/probabilistic.ts';
import { spansOf, sumSeries, TempoClient, type TimeRange } from '../../assertions/tempo/client.ts';
import { newSpanId, pushSpans } from '../../assertions/tempo/otlp-push.ts';
import type { LocalRunningStack } from '../../stack/local.ts';
import { isPortFree } from '../../stack/ports.ts';
import type { ManagedProcess } from '../../stack/process.ts';
import { waitFor } from '../../stack/wait.ts';
import { traceIdFromTraceResponse } from '../../target-pipeline/telemetry/http.ts';
import { startNodeService, startTestStack } from './helpers/stack.ts';

const BASELINE_PERCENT = 3;
const SLOW_MS = 1_200; // over the seed's 800 ms latency policy
const TRACE_WAIT_MS = 60_000;

let stack: LocalRunningStack;
let service: ManagedProcess;
let serviceUrl: string;
let full: TempoClient;
let sampled: TempoClient;
const t0 = Math.floor(Date.now() / 1000) - 60;
const range = (): TimeRange => ({ start: t0, end: Math.ceil(Date.now() / 1000) + 60 });

async function work(ms: number): Promise<string> {
  const res = await fetch(`${serviceUrl}/work?ms=${ms}`);
  expect(res.status).toBe(200);
  const id = traceIdFromTraceResponse(res.headers.get('traceresponse'));
  if (!id) throw new Error(`no traceresponse header on /work (got ${res.headers.get('traceresponse')})`);
  return id;
}

beforeAll(async () => {
  stack = await startTestStack();
  const started = await startNodeService('skeleton', 'test/fixtures/skeleton-service.ts',
    { HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl, PORT: '0' }, path.join(stack.config.runDir, 'logs'));
  service = started.proc;
  serviceUrl = `http://127.0.0.1:${started.port}`;
  full = new TempoClient(stack.endpoints.tempoUrl, 'full');
  sampled = full.forTenant('sampled');
});

afterAll(async () => {
  await service?.stop();
  await stack?.stop();
});

describe('walking skeleton', () => {
  it('should find the trace by id in tenant full when the service handled a request', async () => {
    const id = await work(5);
    const trace = await waitFor(() => full.traceById(id), { what: `trace ${id} in tenant full`, timeoutMs: TRACE_WAIT_MS });
    const spans = spansOf(trace);
    expect(spans.map((s) => s.name)).toEqual(['skeleton.work']);
    expect(spans[0]?.resource['service.name']).toBe('harness.skeleton');
    expect(spans[0]?.resource['ml.pipeline.name']).toBeTruthy();
  });

  it('should find the trace by a TraceQL search when its attributes match', async () => {
    const id = await work(5);
    const hits = await waitFor(async () => {
      const found = await full.searchAll('{ name = "skeleton.work" && span.skeleton.rounds > 0 }', range());
      return found.has(id) ? found : undefined;
    }, { what: `trace ${id} in a TraceQL search of tenant full`, timeoutMs: TRACE_WAIT_MS });
    expect(hits.get(id)?.rootServiceName).toBe('harness.skeleton');
  });

  it('should keep a slow trace in sampled and fast ones only where the baseline hash says so', async () => {
    const slow = await work(SLOW_MS);
    // Enough fast traces that the 3% baseline both keeps some and drops many: the
    // policy hashes the trace id, so which ones it keeps is known in advance.
    const fast: string[] = [];
    while (fast.length < 400 && (fast.filter((id) => probabilisticKeeps(id, BASELINE_PERCENT)).length < 2 || fast.length < 60)) {
      fast.push(await work(0));
    }
    const expectedFast = new Set(fast.filter((id) => probabilisticKeeps(id, BASELINE_PERCENT)));
    expect(expectedFast.size).toBeGreaterThanOrEqual(2);

    // Every trace first lands in full; then sampled must hold the slow one and exactly the predicted fast ones.
    await waitFor(async () => {
      const got = await full.searchAll('{ name = "skeleton.work" }', range());
      const missing = [slow, ...fast].filter((id) => !got.has(id));
      if (missing.length) throw new Error(`${missing.length} missing of ${got.size} found, e.g. ${missing.slice(0, 3).join(", ")}; found e.g. ${[...got.keys()].slice(0, 3).join(", ")}`);
      return true;
    }, { what: `all ${fast.length + 1} traces in tenant full`, timeoutMs: TRACE_WAIT_MS });
    const kept = await waitFor(async () => {
      const got = await sampled.searchAll('{ name = "skeleton.work" }', range());
      const missing = [slow, ...expectedFast].filter((id) => !got.has(id));
      if (missing.length) throw new Error(`${missing.length} of the expected kept traces missing, e.g. ${missing.slice(0, 3).join(', ')}`);
      return got;
    }, { what: 'the slow trace and the predicted baseline traces in tenant sampled', timeoutMs: TRACE_WAIT_MS });

    const keptFast = fast.filter((id) => kept.has(id));
    expect(new Set(keptFast)).toEqual(expectedFast);
    expect(keptFast.length / fast.length).toBeLessThan(0.2);
  });

  it('should count with TraceQL metrics exactly the spans that start inside the window, not those of the second before it', async () => {
    // One span 0.4 s before the window, two inside, one just after: the regression a
    // query_range reading showed (its first sample covers the step before start).
    const service = `harness.window-probe-${randomBytes(4).toString('hex')}`;
    const s = BigInt(Math.floor(Date.now() / 1000) - 20) * 1_000_000_000n;
    const at = [s - 400_000_000n, s + 100_000_000n, s + 900_000_000n, s + 1_050_000_000n];
    await pushSpans(stack.endpoints.otlpHttpUrl, { service, scope: 'harness.foundation' },
      at.map((t) => ({ traceId: randomBytes(16).toString('hex'), spanId: newSpanId(), name: 'probe', startNs: t, endNs: t + 1_000_000n })));
    const q = `{ resource.service.name = "${service}" } | count_over_time()`;
    const window: TimeRange = { start: Number(s / 1_000_000_000n), end: Number(s / 1_000_000_000n) + 1 };
    await waitFor(async () => {
      const n = sumSeries(await full.metricsQuery(q, { start: window.start - 5, end: window.end + 5 }));
      if (n < at.length) throw new Error(`${n} of ${at.length} probe spans counted`);
      return true;
    }, { what: 'the four probe spans in TraceQL metrics', timeoutMs: TRACE_WAIT_MS });
    expect(sumSeries(await full.metricsQuery(q, window))).toBe(2);
  });

  it('should free every port when the stack stops', async () => {
    const ports = Object.values(stack.config.ports);
    await service.stop();
    await stack.stop();
    for (const p of ports) expect(await isPortFree('127.0.0.1', p), `port ${p} still in use`).toBe(true);
  });
});
