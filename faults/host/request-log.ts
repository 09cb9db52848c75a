import type { RequestHandler } from 'express';
import { REQUEST_ID_HEADER, TRACE_RESPONSE_HEADER } from '../../target-pipeline/semconv.ts';
import { traceIdFromTraceResponse } from '../../target-pipeline/telemetry/http.ts';
import { roundMs } from '../../target-pipeline/telemetry/units.ts';
import type { Ledger } from '../ledger.ts';

/**
 * In front of the gateway, as an access log would be: every POST /predict as its
 * caller saw it (arrival, status, latency), keyed by the trace id the gateway returns
 * in its traceresponse header.
 */
export function requestLog(ledger: Ledger, path = '/predict'): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.path !== path) return next();
    const arrived = Date.now();
    const t0 = performance.now();
    res.once('close', () => {
      const traceId = traceIdFromTraceResponse(String(res.getHeader(TRACE_RESPONSE_HEADER) ?? ''));
      if (!traceId) return;
      ledger.append({
        trace_id: traceId,
        request_id: String(res.getHeader(REQUEST_ID_HEADER) ?? ''),
        ts: arrived,
        status: res.statusCode,
        latency_ms: roundMs(performance.now() - t0),
      });
    });
    next();
  };
}
