/**
 * Tempo's HTTP API, tenant aware: TraceQL search with a time range (paged by splitting
 * the range when a page is full), trace by id, and TraceQL metrics. Every call carries
 * the client's headers (a team's credential on STACK=external): clients made from a stack
 * (tempoClientFor) and their forTenant() copies all carry the stack's.
 */
import type { TenantRole } from '../../stack/config.ts';
import type { RunningStack } from '../../stack/provider.ts';

export const DEFAULT_SEARCH_LIMIT = 500;
/**
 * Page size of searchAll: a full page splits the range and asks both halves again, so a
 * small page makes many queries that re-read the same traces (bench/verdict-scale.ts:
 * 253 searches for 100k requests at this size).
 */
export const SEARCH_ALL_LIMIT = 5_000;
export const MIN_SPLIT_WINDOW_S = 1;
export const REQUEST_TIMEOUT_MS = 30_000;
export const TRACE_FETCH_CONCURRENCY = 8;

/** A span as a search returns it: its id, times and the attributes the query selected. */
export interface SearchSpan {
  spanID: string;
  name?: string;
  startTimeUnixNano?: string;
  durationNanos?: string;
  attributes?: OtlpAttribute[];
}

export interface SearchHit {
  traceID: string;
  /** The matching spans, up to spss per set (several sets when the query makes them). */
  spanSets?: { spans?: SearchSpan[]; matched?: number }[];
  spanSet?: { spans?: SearchSpan[]; matched?: number };
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano?: string;
  durationMs?: number;
}

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** As Tempo's JSON writes it: 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', ... (absent for INTERNAL in some encoders). */
  kind?: string | number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttribute[];
  events?: { name: string; timeUnixNano: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number | string; message?: string };
}
export interface OtlpTrace {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { scope?: { name?: string; attributes?: OtlpAttribute[] }; spans?: OtlpSpan[] }[];
  }[];
}

export class TempoError extends Error {
  override name = 'TempoError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface TimeRange {
  /** Unix seconds. */
  start: number;
  end: number;
}

/** An instant TraceQL-metrics answer: one value per series over the whole window. */
export interface MetricsSeries {
  series?: { labels?: { key: string; value: Record<string, unknown> }[]; value?: number }[];
}

/** Every series' value added up (a count or a sum over the window). */
export function sumSeries(r: MetricsSeries): number {
  return (r.series ?? []).reduce((a, s) => a + (s.value ?? 0), 0);
}

let lastQueryAt = 0;

/** Tempo queries this process has sent, by kind, whichever the client. */
export interface TempoQueryCounts {
  search: number;
  trace_by_id: number;
  metrics: number;
}
const queryCounts: TempoQueryCounts = { search: 0, trace_by_id: 0, metrics: 0 };

/** A copy of the counts so far: a caller measures a stretch of work as the difference of two. */
export function tempoQueryCounts(): TempoQueryCounts {
  return { ...queryCounts };
}

function countQuery(pathAndQuery: string): void {
  if (pathAndQuery.startsWith('/api/search')) queryCounts.search++;
  else if (pathAndQuery.startsWith('/api/v2/traces/') || pathAndQuery.startsWith('/api/traces/')) queryCounts.trace_by_id++;
  else if (pathAndQuery.startsWith('/api/metrics/')) queryCounts.metrics++;
}

/**
 * When this process last sent Tempo a query (search, trace by id, metrics), whichever the
 * client: each one creates a request queue in Tempo's query frontend, and a queue younger
 * than its cleanup period blocks Tempo's stop (stack/local.ts, TEMPO_QUERY_QUEUE_CLEANUP_MS).
 */
export function lastTempoQueryAt(): number {
  return lastQueryAt;
}

export class TempoClient {
  readonly baseUrl: string;
  readonly tenant: string;
  private readonly headers: Record<string, string>;

  /** `headers`: sent on every call besides the tenant's X-Scope-OrgID (Authorization...). */
  constructor(baseUrl: string, tenant: string, headers: Record<string, string> = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.tenant = tenant;
    this.headers = headers;
  }

  /** The same Tempo, the same headers, another tenant. */
  forTenant(tenant: string): TempoClient {
    return new TempoClient(this.baseUrl, tenant, this.headers);
  }

  private async get(pathAndQuery: string): Promise<Response> {
    const url = `${this.baseUrl}${pathAndQuery}`;
    countQuery(pathAndQuery);
    let res: Response;
    try {
      res = await fetch(url, { headers: { ...this.headers, 'X-Scope-OrgID': this.tenant }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new TempoError(`Tempo is not reachable at ${this.baseUrl} (${(err as Error).message})`, 0);
    } finally {
      if (pathAndQuery.startsWith('/api/')) lastQueryAt = Date.now();
    }
    return res;
  }

  private async getJson<T>(pathAndQuery: string): Promise<T> {
    const res = await this.get(pathAndQuery);
    const body = await res.text();
    if (!res.ok) throw new TempoError(`Tempo ${pathAndQuery.split('?')[0]} (tenant ${this.tenant}) answered ${res.status}: ${body.trim().slice(0, 500)}`, res.status);
    return JSON.parse(body) as T;
  }

  /** One page of a TraceQL search. */
  async searchPage(q: string, range: TimeRange, limit = DEFAULT_SEARCH_LIMIT, spss = 10): Promise<SearchHit[]> {
    const qs = new URLSearchParams({ q, start: String(Math.floor(range.start)), end: String(Math.ceil(range.end)), limit: String(limit), spss: String(spss) });
    const out = await this.getJson<{ traces?: SearchHit[] }>(`/api/search?${qs}`);
    // Tempo drops leading zeros from trace ids in search results; ids elsewhere are 32 digits.
    return (out.traces ?? []).map((t) => ({ ...t, traceID: normalizeTraceId(t.traceID) }));
  }

  /**
   * Every trace matching `q` in the range: a full page means there may be more, so the
   * range is split in halves and each half searched, down to one-second windows (Tempo's
   * range is in whole seconds); a full page of one second is asked again with a larger
   * limit, so a second with more traces than a page loses none.
   */
  async searchAll(q: string, range: TimeRange, limit = SEARCH_ALL_LIMIT, spss = 10): Promise<Map<string, SearchHit>> {
    const found = new Map<string, SearchHit>();
    const visit = async (r: TimeRange, lim: number): Promise<void> => {
      const page = await this.searchPage(q, r, lim, spss);
      for (const hit of page) found.set(hit.traceID, hit);
      if (page.length < lim) return;
      if (r.end - r.start > MIN_SPLIT_WINDOW_S) {
        const mid = Math.floor((r.start + r.end) / 2);
        await visit({ start: r.start, end: mid }, lim);
        await visit({ start: mid, end: r.end }, lim);
      } else {
        await visit(r, lim * 2);
      }
    };
    await visit(range, limit);
    return found;
  }

  /**
   * Many traces by id, TRACE_FETCH_CONCURRENCY requests at a time (Tempo answers each in
   * milliseconds; one at a time, hundreds of them take seconds, all at once overload it).
   */
  async tracesById(ids: string[]): Promise<Map<string, OtlpTrace | undefined>> {
    const out = new Map<string, OtlpTrace | undefined>();
    let next = 0;
    await Promise.all(Array.from({ length: TRACE_FETCH_CONCURRENCY }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        out.set(id, await this.traceById(id));
      }
    }));
    return out;
  }

  /** The whole trace, or undefined when this tenant does not have it. */
  async traceById(traceId: string): Promise<OtlpTrace | undefined> {
    const res = await this.get(`/api/v2/traces/${traceId}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    const body = await res.text();
    if (!res.ok) throw new TempoError(`Tempo trace ${traceId} (tenant ${this.tenant}) answered ${res.status}: ${body.slice(0, 300)}`, res.status);
    const parsed = JSON.parse(body) as { trace?: OtlpTrace } & OtlpTrace;
    const t = parsed.trace ?? parsed;
    // Tempo can answer 200 with an empty trace while the spans are still on their way.
    return t.resourceSpans?.length ? t : undefined;
  }

  /**
   * A TraceQL metrics query (e.g. `{...} | avg_over_time(span.x)`) over spans that start
   * in [range.start, range.end), as one value per series. Instant, not query_range: Tempo
   * labels each range sample with the end of its interval, so a range query's first
   * sample counts the step *before* start (measured: a 1 s step from a load's first second
   * counted the priming requests of the second before it).
   */
  async metricsQuery(q: string, range: TimeRange): Promise<MetricsSeries> {
    const qs = new URLSearchParams({ q, start: String(Math.floor(range.start)), end: String(Math.ceil(range.end)) });
    return this.getJson<MetricsSeries>(`/api/metrics/query?${qs}`);
  }

  async ready(): Promise<boolean> {
    const res = await this.get('/ready');
    await res.body?.cancel();
    return res.ok;
  }
}

/** The client of one role's tenant (full, seed, harness) of a running stack, with the stack's headers. */
export function tempoClientFor(stack: Pick<RunningStack, 'endpoints' | 'tempo'>, role: TenantRole): TempoClient {
  return new TempoClient(stack.endpoints.tempoUrl, stack.tempo.tenants[role], stack.tempo.headers);
}

/** All spans of an OTLP trace with their resource's service name. */
export function spansOf(t: OtlpTrace): (OtlpSpan & { serviceName: string; resource: Record<string, unknown> })[] {
  const out: (OtlpSpan & { serviceName: string; resource: Record<string, unknown> })[] = [];
  for (const rs of t.resourceSpans ?? []) {
    const resource = attrsToRecord(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) out.push({ ...s, serviceName: String(resource['service.name'] ?? ''), resource });
    }
  }
  return out;
}

export function attrsToRecord(attrs: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const a of attrs ?? []) {
    const v = a.value;
    if (v.stringValue !== undefined) out[a.key] = v.stringValue;
    else if (v.intValue !== undefined) out[a.key] = Number(v.intValue);
    else if (v.doubleValue !== undefined) out[a.key] = v.doubleValue;
    else if (v.boolValue !== undefined) out[a.key] = v.boolValue;
  }
  return out;
}

export function normalizeTraceId(id: string): string {
  return id.toLowerCase().padStart(32, '0');
}

/** Tempo's v2 API gives ids as base64; the rest of the harness uses lowercase hex. */
export function idToHex(id: string): string {
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}
