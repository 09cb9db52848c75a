/**
 * Prometheus's HTTP API, as the verdict reads it: instant and range queries, and the
 * alerts its rule engine evaluated. An unreachable Prometheus, or one that rejects a
 * query, is a harness failure that names the URL and the query, never "no data".
 */
import { METRIC_EXPORT_INTERVAL_MS } from '../../target-pipeline/telemetry/sdk.ts';
import { HarnessError } from '../scenario/errors.ts';
import { PIPELINE_SCRAPE_JOB } from '../../stack/prometheus.ts';

export const PROMETHEUS_REQUEST_TIMEOUT_MS = 30_000;
/**
 * How long after a request its metrics can still be on their way to the exporter: the
 * SDK exports every METRIC_EXPORT_INTERVAL_MS, and the span-metrics connector flushes on
 * the same period (metrics_flush_interval, docker/otelcol/config.yaml).
 */
export const METRICS_EXPORT_LAG_S = (2 * METRIC_EXPORT_INTERVAL_MS) / 1000;

export interface PromSample {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus writes it: "1.5", "+Inf", "NaN"]. */
  value: [number, string];
}
export interface PromRangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export class PrometheusError extends HarnessError {
  override name = 'PrometheusError';
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export class PrometheusClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(PROMETHEUS_REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new PrometheusError(`Prometheus is not reachable at ${this.baseUrl} (${(err as Error).message})`);
    }
    const text = await res.text();
    let body: ApiAnswer<T>;
    try {
      body = JSON.parse(text) as ApiAnswer<T>;
    } catch {
      throw new PrometheusError(`Prometheus ${path} at ${this.baseUrl} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (body.status !== 'success' || body.data === undefined) {
      const q = params.query ? ` for ${JSON.stringify(params.query)}` : '';
      throw new PrometheusError(`Prometheus ${path} at ${this.baseUrl} answered ${res.status}${q}: ${body.errorType ?? ''} ${body.error ?? ''}`.trim());
    }
    return body.data;
  }

  /** An instant query at `time` (unix seconds; now when omitted). Scalars come back as one sample without labels. */
  async query(expr: string, time?: number): Promise<PromSample[]> {
    const data = await this.api<{ resultType: string; result: PromSample[] | [number, string] }>('/api/v1/query', {
      query: expr, ...(time !== undefined ? { time: String(time) } : {}),
    });
    if (data.resultType === 'scalar' || data.resultType === 'string') return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as PromSample[];
  }

  /** The value of an instant query that answers one series, or undefined when it answers none (or no number). */
  async value(expr: string, time?: number): Promise<number | undefined> {
    const r = await this.query(expr, time);
    const v = Number(r[0]?.value[1]);
    return r.length && Number.isFinite(v) ? v : undefined;
  }

  async queryRange(expr: string, start: number, end: number, stepS: number): Promise<PromRangeSeries[]> {
    const data = await this.api<{ resultType: string; result: PromRangeSeries[] }>('/api/v1/query_range', {
      query: expr, start: String(start), end: String(end), step: String(stepS),
    });
    return data.result;
  }

  /** Unix seconds of the newest sample of `up` for a scrape job (the time of its last scrape), or undefined before the first. */
  lastScrape(job: string): Promise<number | undefined> {
    return this.value(`max(timestamp(up{job=${JSON.stringify(job)}}))`);
  }

  /** Unix seconds of the oldest of the rule groups' last evaluations, or undefined before every group ran once. */
  async lastRuleEvaluation(): Promise<number | undefined> {
    const data = await this.api<{ groups: { lastEvaluation?: string }[] }>('/api/v1/rules', {});
    const ts = data.groups.map((g) => Date.parse(g.lastEvaluation ?? ''));
    return ts.length && ts.every(Number.isFinite) ? Math.min(...ts) / 1000 : undefined;
  }

  /** The alerting rules Prometheus loaded, in file order, with the `source` label each carries (seed, classic, harness). */
  async ruleSources(): Promise<{ name: string; source?: string }[]> {
    const data = await this.api<{ groups: { rules: { name: string; type: string; labels?: Record<string, string> }[] }[] }>('/api/v1/rules', { type: 'alert' });
    return data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting')
      .map((r) => ({ name: r.name, ...(r.labels?.source ? { source: r.labels.source } : {}) })));
  }

  /** Names of the alerting rules Prometheus loaded: proof the rules file is the one running. */
  async alertRuleNames(): Promise<string[]> {
    return (await this.ruleSources()).map((r) => r.name);
  }
}

/**
 * Waits until Prometheus holds everything exported up to `t` (unix seconds): the
 * pipeline's SDK and the span-metrics connector export every `exportLagS` seconds, so a
 * scrape after t + exportLagS has it, and a rule evaluation after that scrape has judged
 * it. Polls those two timestamps, never a fixed sleep; a deadline names what is missing.
 */
export async function waitForPrometheusToCatchUp(
  prom: PrometheusClient, t: number, exportLagS: number, timeoutMs: number, job = PIPELINE_SCRAPE_JOB, signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted = t + exportLagS;
  let scraped: number | undefined;
  let evaluated: number | undefined;
  // The first scrape after `wanted`, kept: the evaluation must come after that one, not
  // after whichever scrape is newest when polled. Scrapes and evaluations share one period,
  // so where a run's evaluations fall just before its scrapes, "after the newest scrape"
  // holds only for the sliver between the two and a poll can miss it period after period
  // (14.6 s of waiting seen where 4-6 s sufficed).
  let caughtUp: number | undefined;
  for (;;) {
    scraped = await prom.lastScrape(job);
    if (caughtUp === undefined && scraped !== undefined && scraped >= wanted) caughtUp = scraped;
    evaluated = await prom.lastRuleEvaluation();
    if (caughtUp !== undefined && evaluated !== undefined && evaluated >= caughtUp) return;
    if (signal?.aborted) throw new PrometheusError(`stopped waiting for Prometheus at ${prom.baseUrl} to catch up: the run stopped`);
    if (Date.now() > deadline) {
      throw new PrometheusError(`Prometheus at ${prom.baseUrl} did not catch up within ${timeoutMs} ms: wanted a scrape of job ${job} after ${new Date(wanted * 1000).toISOString()} ` +
        `and a rule evaluation after it; last scrape ${scraped === undefined ? 'never' : new Date(scraped * 1000).toISOString()}, last evaluation ${evaluated === undefined ? 'never' : new Date(evaluated * 1000).toISOString()}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Waits until an instant query answers exactly `want` (one series): a count Prometheus must reach. */
export async function waitForPrometheusValue(prom: PrometheusClient, expr: string, want: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: string = 'no series';
  for (;;) {
    const r = await prom.query(expr);
    if (r.length === 1 && Number(r[0]!.value[1]) === want) return;
    seen = r.length ? r.map((x) => x.value[1]).join(', ') : 'no series';
    if (Date.now() > deadline) throw new PrometheusError(`Prometheus at ${prom.baseUrl}: ${expr} did not reach ${want} within ${timeoutMs} ms (last: ${seen})`);
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

const POLL_MS = 250;
