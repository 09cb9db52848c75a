import { injectedHeaders } from '../telemetry/http.ts';
import { HttpError } from './errors.ts';

/** An upstream's rejection, with its response headers (the caller may need them). */
export class UpstreamError extends HttpError {
  readonly headers: Headers;
  constructor(status: number, message: string, headers: Headers) {
    super(status, message);
    this.headers = headers;
  }
}

/**
 * POSTs JSON to the next service with the current trace context injected. A non-2xx
 * answer becomes an HttpError that keeps the upstream status class and message, so the
 * caller can tell "the next service rejected this" from "the next service is down".
 */
export async function postJson<T>(url: string, body: unknown, timeoutMs: number): Promise<{ data: T; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: injectedHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    throw new HttpError(503, `upstream ${new URL(url).pathname} unavailable: ${reason}`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(502, `upstream ${new URL(url).pathname} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const msg = (data as { error?: string }).error ?? `status ${res.status}`;
    throw new UpstreamError(res.status >= 500 ? 502 : res.status, `upstream ${new URL(url).pathname}: ${msg}`, res.headers);
  }
  return { data: data as T, headers: res.headers };
}
