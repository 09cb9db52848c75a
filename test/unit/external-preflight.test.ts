/**
 * The preflight of STACK=external against small HTTP servers standing for a team's
 * endpoints (each answers as the real one does on the path the preflight asks): every
 * failure names the endpoint, the URL and what was tried; a credential reaches Tempo.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointError, preflight } from '../../stack/external-preflight.ts';
import { authHeaders, loadExternalSettings } from '../../stack/external-settings.ts';
import { tempoClientFor } from '../../assertions/tempo/client.ts';
import { HARNESS_TENANTS } from '../../stack/config.ts';
import { freePort } from '../../stack/ports.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const otlpOk: Handler = (req, res) => {
  res.writeHead(req.method === 'POST' && req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{}');
};
/** Tempo's search, behind a gateway that wants `Bearer good`; records every request's tenant and credential. */
function tempoBehindAuth(seen: { tenant?: string; auth?: string; url?: string }[]): Handler {
  return (req, res) => {
    seen.push({ tenant: req.headers['x-scope-orgid'] as string | undefined, auth: req.headers.authorization, url: req.url });
    if (req.headers.authorization !== 'Bearer good') {
      res.writeHead(401);
      res.end('unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.startsWith('/api/v2/traces/') ? JSON.stringify({ trace: { resourceSpans: [] } }) : JSON.stringify({ traces: [] }));
  };
}

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(EndpointError);
  return (err as Error).message;
}

describe('STACK=external preflight', () => {
  it('should pass and list every endpoint it checked when each answers', async () => {
    const seen: { tenant?: string; auth?: string }[] = [];
    const s = loadExternalSettings({
      HARNESS_EXTERNAL_OTLP_URL: await serve(otlpOk), HARNESS_EXTERNAL_TEMPO_URL: await serve(tempoBehindAuth(seen)),
      HARNESS_EXTERNAL_TEMPO_AUTH: 'bearer:good',
    });
    const r = await preflight(s, authHeaders(s.auth));
    expect(r.checked).toHaveLength(4);
    expect(seen.map((x) => x.tenant)).toEqual(Object.values(HARNESS_TENANTS));
    expect(seen.every((x) => x.auth === 'Bearer good')).toBe(true);
  });

  it('should name the Collector, its URL and the refused connection when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const s = loadExternalSettings({ HARNESS_EXTERNAL_OTLP_URL: url, HARNESS_EXTERNAL_TEMPO_URL: await serve(tempoBehindAuth([])) });
    expect(await failure(preflight(s, {}))).toBe(
      `the Collector's OTLP/HTTP receiver (HARNESS_EXTERNAL_OTLP_URL) at ${url}/v1/traces cannot be reached: POST /v1/traces with an empty OTLP/JSON export failed (ECONNREFUSED); nothing was started`,
    );
  });

  it('should name Tempo, the tenant and where the credential came from when it is refused', async () => {
    const tempo = await serve(tempoBehindAuth([]));
    const s = loadExternalSettings({ HARNESS_EXTERNAL_OTLP_URL: await serve(otlpOk), HARNESS_EXTERNAL_TEMPO_URL: tempo, HARNESS_EXTERNAL_TEMPO_AUTH: 'bearer:wrong' });
    const msg = await failure(preflight(s, authHeaders(s.auth)));
    expect(msg).toMatch(new RegExp(`^Tempo's HTTP API \\(HARNESS_EXTERNAL_TEMPO_URL\\) at ${tempo}/api/search\\?`));
    expect(msg).toContain('a TraceQL search in tenant full (role full, X-Scope-OrgID) with bearer auth from HARNESS_EXTERNAL_TEMPO_AUTH answered 401 (unauthorized)');
    expect(msg).toContain('the credential was refused');
    expect(msg).not.toContain('wrong');
  });

  it('should say a path answered 404 and that the URL may carry a wrong path', async () => {
    const otlp = await serve(otlpOk);
    const s = loadExternalSettings({ HARNESS_EXTERNAL_OTLP_URL: `${otlp}/otlp`, HARNESS_EXTERNAL_TEMPO_URL: await serve(tempoBehindAuth([])) });
    expect(await failure(preflight(s, {}))).toContain(`at ${otlp}/otlp/v1/traces: POST /v1/traces with an empty OTLP/JSON export answered 404 ({}) — nothing at that path`);
  });

  it('should refuse a Tempo URL that answers something other than Tempo\'s JSON', async () => {
    const page = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const s = loadExternalSettings({ HARNESS_EXTERNAL_OTLP_URL: await serve(otlpOk), HARNESS_EXTERNAL_TEMPO_URL: page });
    expect(await failure(preflight(s, {}))).toContain('with a body that is not JSON (<html>login</html>): is this Tempo?');
  });

  it('should refuse a Prometheus that does not scrape the pipeline\'s job', async () => {
    const prom = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    const seen: { auth?: string }[] = [];
    const s = loadExternalSettings({
      HARNESS_EXTERNAL_OTLP_URL: await serve(otlpOk), HARNESS_EXTERNAL_TEMPO_URL: await serve(tempoBehindAuth(seen)),
      HARNESS_EXTERNAL_TEMPO_AUTH: 'bearer:good', HARNESS_EXTERNAL_PROMETHEUS_URL: prom,
    });
    expect(await failure(preflight(s, authHeaders(s.auth)))).toContain(`Prometheus (HARNESS_EXTERNAL_PROMETHEUS_URL) at ${prom} has no series up{job="pipeline"}`);
  });
});

describe('Tempo calls of the verdict on a stack with a credential', () => {
  it('should send the stack\'s headers and each tenant on every call, from a client and its forTenant copies', async () => {
    const seen: { tenant?: string; auth?: string; url?: string }[] = [];
    const tempoUrl = await serve(tempoBehindAuth(seen));
    const stack = { endpoints: { tempoUrl, otlpHttpUrl: 'http://unused' }, tempo: { tenants: { full: 'a', seed: 'b', harness: 'c' }, headers: { Authorization: 'Bearer good' } } };
    const full = tempoClientFor(stack, 'full');
    await full.searchAll('{ }', { start: 0, end: 10 });
    await full.traceById('0'.repeat(32));
    await full.forTenant('lab-x').metricsQuery('{ } | count_over_time()', { start: 0, end: 10 });
    await tempoClientFor(stack, 'harness').searchPage('{ }', { start: 0, end: 10 });
    expect(seen.map((x) => [x.tenant, x.auth])).toEqual([['a', 'Bearer good'], ['a', 'Bearer good'], ['lab-x', 'Bearer good'], ['c', 'Bearer good']]);
  });
});
