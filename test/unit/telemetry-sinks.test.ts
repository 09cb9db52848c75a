/**
 * The telemetry settings the overhead bench decomposes tracing with: each service's real
 * SDK, pointed at a local HTTP server that counts what reaches /v1/traces and /v1/metrics.
 * Each setting runs in a child process of its own, since the SDK registers global providers.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryFromEnv } from '../../target-pipeline/telemetry/env.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
/** Starts telemetry from the environment, makes three spans and a histogram value, flushes, exits. */
const CHILD = `
import { telemetryFromEnv } from './target-pipeline/telemetry/env.ts';
const t = telemetryFromEnv('unit.sinks');
for (let i = 0; i < 3; i++) t.tracer.startActiveSpan('unit.span', (s) => s.end());
t.meter.createHistogram('unit_ms').record(1);
await t.flush();
await t.shutdown();
`;

let server: http.Server;
let url = '';
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(env: Record<string, string>): Promise<{ traces: number; metrics: number }> {
  hits.clear();
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: REPO, env: { ...process.env, HARNESS_OTLP_HTTP_URL: url, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`child exited ${code}: ${stderr}`);
  return { traces: hits.get('/v1/traces') ?? 0, metrics: hits.get('/v1/metrics') ?? 0 };
}

describe('telemetry sinks (HARNESS_SPAN_SINK, HARNESS_METRICS)', () => {
  it('should send spans and metrics by default', async () => {
    // flush() sends, and shutdown() sends the metrics again: count requests, not exports.
    const sent = await run({});
    expect(sent.traces).toBeGreaterThan(0);
    expect(sent.metrics).toBeGreaterThan(0);
  });

  it('should send nothing when spans are discarded and metrics are off', async () => {
    expect(await run({ HARNESS_SPAN_SINK: 'discard', HARNESS_METRICS: 'off' })).toEqual({ traces: 0, metrics: 0 });
  });

  it('should still send metrics when only the spans are discarded', async () => {
    const sent = await run({ HARNESS_SPAN_SINK: 'discard' });
    expect(sent.traces).toBe(0);
    expect(sent.metrics).toBeGreaterThan(0);
  });

  it('should name the setting that is wrong', () => {
    expect(() => telemetryFromEnv('unit.sinks', { HARNESS_SPAN_SINK: 'nowhere' })).toThrow(/unit\.sinks: invalid telemetry settings: HARNESS_SPAN_SINK/);
    expect(() => telemetryFromEnv('unit.sinks', { HARNESS_METRICS: 'maybe' })).toThrow(/HARNESS_METRICS/);
  });
});
