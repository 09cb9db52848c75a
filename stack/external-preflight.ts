/**
 * Before any load starts on a team's own stack (STACK=external), each endpoint is asked
 * the one thing the run needs of it, as the run will ask it: the Collector takes an
 * OTLP/HTTP export, Tempo answers an authenticated search in every tenant the verdict
 * reads, Prometheus answers a query. The first that fails stops the run with one error
 * naming the endpoint, what was tried and what came back (a refused connection, a 401, a
 * 404), before the pipeline or k6 exist.
 */
import { Spans } from '../target-pipeline/semconv.ts';
import type { ExternalSettings } from './external-settings.ts';
import { PIPELINE_SCRAPE_JOB } from './prometheus.ts';

export const PREFLIGHT_TIMEOUT_MS = 10_000;
/** How far back the preflight's searches look: any window will do, they only prove access. */
export const PREFLIGHT_SEARCH_WINDOW_S = 60;

export class EndpointError extends Error {
  override name = 'EndpointError';
}

export interface PreflightReport {
  /** One line per endpoint checked, e.g. "Collector OTLP/HTTP http://...: POST /v1/traces answered 200". */
  checked: string[];
}

interface Attempt {
  /** 'the Collector's OTLP/HTTP receiver (HARNESS_EXTERNAL_OTLP_URL)' */
  endpoint: string;
  url: string;
  /** 'POST /v1/traces with an empty export' */
  tried: string;
  init?: RequestInit;
}

/** What a 401/403 usually means, said once where it applies. */
function hint(status: number, a: Attempt, settings: ExternalSettings): string {
  if (status === 401 || status === 403) {
    return a.endpoint.startsWith('Tempo')
      ? ` — the credential was refused (given by ${settings.authSource}); check HARNESS_EXTERNAL_TEMPO_AUTH or its file`
      : ' — this endpoint wants a credential the harness does not send';
  }
  if (status === 404) return ' — nothing at that path: is the URL the API\'s base (no path after the port, or your gateway\'s prefix)?';
  return '';
}

async function attempt(a: Attempt, settings: ExternalSettings): Promise<{ status: number; body: string }> {
  let res: Response;
  try {
    res = await fetch(a.url, { ...a.init, signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new EndpointError(`${a.endpoint} at ${a.url} cannot be reached: ${a.tried} failed (${why}); nothing was started`);
  }
  const body = (await res.text()).trim();
  if (res.status < 200 || res.status > 299) {
    throw new EndpointError(`${a.endpoint} at ${a.url}: ${a.tried} answered ${res.status}${body ? ` (${body.slice(0, 200)})` : ''}${hint(res.status, a, settings)}; nothing was started`);
  }
  return { status: res.status, body };
}

/** The Collector takes an export: an empty OTLP/JSON request (no span is stored). */
async function checkOtlp(s: ExternalSettings): Promise<string> {
  const a: Attempt = {
    endpoint: 'the Collector\'s OTLP/HTTP receiver (HARNESS_EXTERNAL_OTLP_URL)',
    url: `${s.otlpHttpUrl}/v1/traces`,
    tried: 'POST /v1/traces with an empty OTLP/JSON export',
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [] }) },
  };
  const r = await attempt(a, s);
  return `Collector ${a.url}: ${a.tried} answered ${r.status}`;
}

/** Tempo answers, with the credential, a search in each tenant the verdict reads. */
async function checkTempo(s: ExternalSettings, headers: Record<string, string>): Promise<string[]> {
  const out: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (const [role, tenant] of Object.entries(s.tenants)) {
    const qs = new URLSearchParams({ q: `{ name = "${Spans.pipelineRequest}" }`, start: String(now - PREFLIGHT_SEARCH_WINDOW_S), end: String(now), limit: '1' });
    const a: Attempt = {
      endpoint: 'Tempo\'s HTTP API (HARNESS_EXTERNAL_TEMPO_URL)',
      url: `${s.tempoUrl}/api/search?${qs}`,
      tried: `a TraceQL search in tenant ${tenant} (role ${role}, X-Scope-OrgID) with ${s.auth.kind === 'none' ? 'no credential' : `${s.auth.kind} auth from ${s.authSource}`}`,
      init: { headers: { 'X-Scope-OrgID': tenant, ...headers } },
    };
    const r = await attempt(a, s);
    try {
      JSON.parse(r.body);
    } catch {
      throw new EndpointError(`Tempo's HTTP API (HARNESS_EXTERNAL_TEMPO_URL) at ${a.url}: ${a.tried} answered ${r.status} with a body that is not JSON (${r.body.slice(0, 120)}): is this Tempo?; nothing was started`);
    }
    out.push(`Tempo ${s.tempoUrl}: search in tenant ${tenant} (${role}) answered ${r.status}`);
  }
  return out;
}

/**
 * Prometheus answers a query (when one was given), and scrapes a job named as the
 * harness's: the dashboard's reading waits for that job's scrape after the fault phase,
 * and without it would wait until its deadline after the whole load had run.
 */
async function checkPrometheus(url: string, s: ExternalSettings): Promise<string> {
  const query = `up{job="${PIPELINE_SCRAPE_JOB}"}`;
  const a: Attempt = { endpoint: 'Prometheus (HARNESS_EXTERNAL_PROMETHEUS_URL)', url: `${url}/api/v1/query?${new URLSearchParams({ query })}`, tried: `GET /api/v1/query?query=${query}` };
  const r = await attempt(a, s);
  let answer: { status?: string; data?: { result?: unknown[] } } = {};
  try {
    answer = JSON.parse(r.body) as typeof answer;
  } catch {
    // not Prometheus: said below
  }
  if (answer.status !== 'success') throw new EndpointError(`Prometheus (HARNESS_EXTERNAL_PROMETHEUS_URL) at ${a.url}: ${a.tried} answered ${r.status} without a Prometheus success body (${r.body.slice(0, 120)}); nothing was started`);
  if (!answer.data?.result?.length) {
    throw new EndpointError(`Prometheus (HARNESS_EXTERNAL_PROMETHEUS_URL) at ${url} has no series ${query}: the dashboard's reading needs a scrape job '${PIPELINE_SCRAPE_JOB}' of your Collector's Prometheus exporter (as docker/prometheus/prometheus.yml has); add one, or leave HARNESS_EXTERNAL_PROMETHEUS_URL unset to run without that table; nothing was started`);
  }
  return `Prometheus ${url}: ${query} answered ${answer.data.result.length} series`;
}

/** Checks every endpoint in turn; throws EndpointError at the first that fails. */
export async function preflight(s: ExternalSettings, tempoHeaders: Record<string, string>): Promise<PreflightReport> {
  const checked = [await checkOtlp(s), ...await checkTempo(s, tempoHeaders)];
  if (s.prometheusUrl) checked.push(await checkPrometheus(s.prometheusUrl, s));
  return { checked };
}
