import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { HttpAttr, httpSpanName } from '../semconv.ts';
import { injectedHeaders } from '../telemetry/http.ts';
import { HttpError, markSpanError } from './errors.ts';

/** Socket errors of a pooled keep-alive connection that the server closed as the request went out. */
const RESET_BEFORE_ANSWER = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
/** At most this many such resets before the call fails (a pool holds about one idle connection per concurrent caller). */
export const MAX_RESET_RETRIES = 8;

/**
 * POSTs JSON to the next service inside a CLIENT span (HTTP semantic conventions: method,
 * url, server address and port, answered status, resend count), with that span's context
 * injected so the next service's SERVER span is its child: the pair a service graph is
 * built from. A non-2xx answer becomes an HttpError that keeps the upstream status class
 * and message, so the caller can tell "the next service rejected this" from "the next
 * service is down".
 */
export function postJson<T>(tracer: Tracer, baseUrl: string, route: string, body: unknown, timeoutMs: number): Promise<{ data: T }> {
  const url = new URL(`${baseUrl}${route}`);
  return tracer.startActiveSpan(httpSpanName('POST', route), {
    kind: SpanKind.CLIENT,
    attributes: {
      [HttpAttr.requestMethod]: 'POST', [HttpAttr.urlFull]: url.href, [HttpAttr.urlTemplate]: route,
      [HttpAttr.serverAddress]: url.hostname, [HttpAttr.serverPort]: Number(url.port || 80),
    },
  }, async (span) => {
    try {
      return await send<T>(span, url, body, timeoutMs);
    } catch (err) {
      throw markSpanError(span, err);
    } finally {
      span.end();
    }
  });
}

async function send<T>(span: Span, url: URL, body: unknown, timeoutMs: number): Promise<{ data: T }> {
  let res: Response;
  const attempt = () => fetch(url, {
    method: 'POST',
    headers: injectedHeaders({ 'content-type': 'application/json' }),
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  try {
    // A draining service closes all its idle keep-alive connections at once; a request sent
    // on one at that instant is reset unanswered, and a retry may take the next pooled one,
    // closed the same way (seen: two resets in a row). The calls between services compute
    // and change nothing, so retrying is safe; once the pool's stale connections are spent,
    // a new connection gets the answer, or a refusal, which is final.
    for (let resets = 0; ; resets++) {
      try {
        res = await attempt();
        if (resets > 0) span.setAttribute(HttpAttr.resendCount, resets);
        break;
      } catch (err) {
        const code = ((err as Error & { cause?: { code?: string } }).cause)?.code;
        if (!code || !RESET_BEFORE_ANSWER.has(code) || resets >= MAX_RESET_RETRIES) throw err;
      }
    }
  } catch (err) {
    // fetch says only "fetch failed"; the cause's code tells a refused connection (the next
    // service is not listening) from one cut while in flight.
    const code = ((err as Error & { cause?: { code?: string } }).cause)?.code;
    span.setAttribute(HttpAttr.errorType, code ?? (err as Error).name);
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error).message}${code ? ` (${code})` : ''}`;
    throw new HttpError(503, `upstream ${url.pathname} unavailable: ${reason}`);
  }
  span.setAttribute(HttpAttr.responseStatusCode, res.status);
  if (!res.ok) span.setAttribute(HttpAttr.errorType, String(res.status));
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    span.setAttribute(HttpAttr.errorType, 'invalid_json');
    throw new HttpError(502, `upstream ${url.pathname} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const msg = (data as { error?: string }).error ?? `status ${res.status}`;
    throw new HttpError(res.status >= 500 ? 502 : res.status, `upstream ${url.pathname}: ${msg}`);
  }
  return { data: data as T };
}

