/**
 * W3C trace context over HTTP between the services, done explicitly: the server side
 * extracts the caller's context, the client side (service/upstream.ts) injects its CLIENT
 * span's. Explicit spans rather than auto-instrumentation keep the span set exact: one
 * SERVER span per service entry, one CLIENT span per outgoing call, nothing else.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span, type SpanOptions } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { HttpAttr, TRACE_RESPONSE_HEADER } from '../semconv.ts';

/** Express middleware: runs the rest of the request inside the caller's trace context. */
export function extractTraceContext(req: Request, _res: Response, next: NextFunction): void {
  const ctx = propagation.extract(ROOT_CONTEXT, req.headers);
  context.with(ctx, next);
}

/** Headers that carry the current trace context to the next service. */
export function injectedHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  propagation.inject(context.active(), headers);
  return headers;
}

/** W3C Trace Context Level 2 `traceresponse` value for a span. */
export function traceResponseValue(span: Span): string {
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

export function setTraceResponse(res: Response, span: Span): void {
  res.setHeader(TRACE_RESPONSE_HEADER, traceResponseValue(span));
  res.setHeader('access-control-expose-headers', TRACE_RESPONSE_HEADER);
}

/** The trace id in a traceresponse header value, or undefined when it is malformed. */
export function traceIdFromTraceResponse(value: string | null | undefined): string | undefined {
  const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(value ?? '');
  return m?.[1];
}

export function currentTraceId(): string | undefined {
  return trace.getSpan(context.active())?.spanContext().traceId;
}

/**
 * Options of a service's entry span: kind SERVER, with the HTTP semantic conventions'
 * method and route (the route as the app declares it, never the raw URL).
 */
export function serverSpanOptions(req: Request, route: string): SpanOptions {
  return { kind: SpanKind.SERVER, attributes: { [HttpAttr.requestMethod]: req.method, [HttpAttr.route]: route } };
}

/** The status the service answered with, on its entry span (set once the answer or the error handler chose it). */
export function recordResponseStatus(span: Span, status: number): void {
  span.setAttribute(HttpAttr.responseStatusCode, status);
}
