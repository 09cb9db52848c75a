/**
 * What the verdict does where a stack's Collector counters cannot be read (STACK=external):
 * it waits out the declared sampling wait and then for the sampled tenants to hold still,
 * and it reports what it could not measure as such, in the table and in JUnit (skipped).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenarioVerdict } from '../../assertions/reports/types.ts';
import { terminalTable, writeReports } from '../../assertions/reports/write.ts';
import { TempoClient } from '../../assertions/tempo/client.ts';
import { SAMPLING_QUIET_MS, waitForSamplingToSettle } from '../../assertions/verdict/collect.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** Tempo's search for two tenants, whose trace counts are `count(tenant, nth call)`. */
async function tempoSearch(count: (tenant: string, n: number) => number): Promise<{ url: string; calls: () => number; firstAt: () => number | undefined }> {
  let n = 0;
  let first: number | undefined;
  const server = http.createServer((req, res) => {
    first ??= Date.now();
    const tenant = String(req.headers['x-scope-orgid']);
    const k = count(tenant, n++);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ traces: Array.from({ length: k }, (_, i) => ({ traceID: `${tenant === 'seed' ? 'a' : 'b'}${i}` })) }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls: () => n, firstAt: () => first };
}

describe('waitForSamplingToSettle', () => {
  it('should read nothing before the declared wait, then return once the counts held still', async () => {
    const t = await tempoSearch((tenant, n) => Math.min(n, 6) + (tenant === 'seed' ? 0 : 10));
    const seed = new TempoClient(t.url, 'seed');
    const harness = seed.forTenant('harness');
    const t0 = Date.now();
    const decidedBy = t0 + 300;
    const r = await waitForSamplingToSettle([seed, harness], { start: 0, end: 10 }, decidedBy, 20_000);
    expect(r.settled).toBe(true);
    expect(t.firstAt()!, 'first search before the declared wait was over').toBeGreaterThanOrEqual(decidedBy);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300 + SAMPLING_QUIET_MS);
    expect(r.held[0]).toBe(6);
    expect(r.held[1]).toBe(16);
  });

  it('should say it did not settle when the counts kept moving until the deadline', async () => {
    const t = await tempoSearch((_tenant, n) => n);
    const seed = new TempoClient(t.url, 'seed');
    const r = await waitForSamplingToSettle([seed, seed.forTenant('harness')], { start: 0, end: 10 }, Date.now(), SAMPLING_QUIET_MS / 2);
    expect(r.settled).toBe(false);
    expect(t.calls()).toBeGreaterThan(2);
  });
});

const verdict: ScenarioVerdict = {
  scenario: 'cold-start', question: 'q', pass: true, short: true, stack: 'external', requests: 10, faulted: 3,
  recall: 1, precision: 1, survival_faulted: 1, survival_faulted_seed: 0, kept_unfaulted_ratio: 0,
  kept_unfaulted: { unfaulted: 7, kept: 0, ratio: 0, expected_ratio: 0.03, expected_ratio_max: 0.03, predicted_missing: [], within_tolerance: true },
  detection_query: '{ name = "tokenizer_init" }', duration_s: 1, per_fault: [], retention: { harness: 0.3, seed: 0 },
  retention_fault_phase: { harness: 0.3, seed: 0 },
  coverage: { fault_phase_s: 1, fault_phase_requests: 10, per_class: {}, errors: { occurred: 0, kept: 0 }, retention_fault: 0.3 },
  kept_whole: { checked: 3, split: 0, examples: [] }, failures: [], waterfall: null, stages: [], device: 'cpu',
  k6: { exit_code: 0 }, timings: {}, fault_counters: [],
  not_measured: [{ what: 'sampling_cross_check', why: 'no counters <here>' }, { what: 'tenants', why: 'unknown & unknowable' }],
};

describe('a verdict with what it could not measure', () => {
  it('should print each item with its reason, and no cross-check line', () => {
    const table = terminalTable(verdict);
    expect(table).toContain('not measured on this stack (external):\n    sampling_cross_check: no counters <here>\n    tenants: unknown & unknowable');
    expect(table).not.toContain('collector says it kept');
  });

  it('should write each as a skipped JUnit case with its reason, never a passed one', () => {
    const dir = writeReports(verdict, fs.mkdtempSync(path.join(os.tmpdir(), 'ext-report-')));
    const junit = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase classname="scenario.cold-start" name="not measured: tenants"><skipped message="unknown &amp; unknowable"/></testcase>');
    expect(junit).toMatch(/skipped="2"/);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('Not measured on this stack (external)');
  });
});
