import { randomUUID } from 'node:crypto';
import { SpanStatusCode, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import express, { type Request, type Response } from 'express';
import { Attr, Metrics, REQUEST_ID_HEADER, Routes, Spans, Services } from '../semconv.ts';
import { jsonErrors } from '../service/run.ts';
import { HttpError, markSpanError, toError } from '../service/errors.ts';
import { postJson } from '../service/upstream.ts';
import { extractTraceContext, recordResponseStatus, serverSpanOptions, setTraceResponse } from '../telemetry/http.ts';
import { roundMs } from '../telemetry/units.ts';
import { validatePredict, type PredictRequest, type RequestLimits, type ValidationFailure } from './request.ts';

export interface GatewayDeps extends RequestLimits {
  tracer: Tracer;
  meter: Meter;
  maxBodyBytes: number;
  timeoutMs: number;
  urls: { featureExtractor: string; inference: string; postProcessor: string };
}

/** POST /predict: the root span, input validation, and the call chain through the pipeline. */
export function gatewayApp(d: GatewayDeps): express.Express {
  const latency = d.meter.createHistogram(Metrics.pipelineLatencyMs, { description: 'End-to-end pipeline latency, ms' });
  const stageMs = d.meter.createHistogram(Metrics.stageDurationMs);
  const rawBody = express.text({ type: () => true, limit: d.maxBodyBytes });
  const app = express();
  app.use(extractTraceContext);
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));

  app.post(Routes.predict, (req: Request, res: Response) => {
    const t0 = performance.now();
    d.tracer.startActiveSpan(Spans.pipelineRequest, serverSpanOptions(req, Routes.predict), async (root) => {
      const requestId = randomUUID();
      root.setAttribute(Attr.requestId, requestId);
      res.setHeader(REQUEST_ID_HEADER, requestId);
      setTraceResponse(res, root);
      let status = 200;
      try {
        const req1 = await validateInSpan(d, root, () => readBody(req, res, rawBody));
        const featureRes = await postJson<{ vector: number[] }>(d.tracer, d.urls.featureExtractor, Routes.features, { ids: req1.feature_ids }, d.timeoutMs);
        const inferRes = await postJson<{ output: string; tokens: number; model_version: string; device: string }>(
          d.tracer, d.urls.inference, Routes.infer, { text: req1.input, features: featureRes.data.vector }, d.timeoutMs);
        const postRes = await postJson<{ value: unknown }>(d.tracer, d.urls.postProcessor, Routes.postprocess,
          { output: inferRes.data.output, reinvoke: { text: req1.input, features: featureRes.data.vector } }, d.timeoutMs);
        root.setAttributes({
          [Attr.outputTokens]: inferRes.data.tokens,
          [Attr.pipelineSuccess]: true,
        });
        res.json({ request_id: requestId, model_version: inferRes.data.model_version, device: inferRes.data.device, result: postRes.data.value });
      } catch (thrown) {
        const err = toError(thrown);
        status = err instanceof HttpError ? err.status : 500;
        markSpanError(root, err);
        root.setAttribute(Attr.pipelineSuccess, false);
        if (!res.headersSent) {
          res.status(status).json({ error: err.message, request_id: requestId, ...(err instanceof HttpError && err.field ? { field: err.field } : {}) });
        }
      } finally {
        const ms = performance.now() - t0;
        root.setAttribute(Attr.pipelineLatencyMs, roundMs(ms));
        recordResponseStatus(root, status);
        latency.record(ms, { status: String(status) });
        stageMs.record(ms, { stage: 'pipeline' });
        root.end();
      }
    });
  });
  app.use(jsonErrors(Services.gateway));
  return app;
}

/** The raw body, or an HttpError that says what was wrong with it (size, encoding). */
function readBody(req: Request, res: Response, parser: express.RequestHandler): Promise<string> {
  return new Promise((resolve, reject) => {
    parser(req, res, (err?: unknown) => {
      if (err) {
        const e = err as { status?: number; type?: string; message?: string; limit?: number };
        if (e.type === 'entity.too.large') reject(new ValidationError({ status: 413, reason: 'payload_too_large', message: `body larger than ${e.limit} bytes` }));
        else reject(new ValidationError({ status: e.status ?? 400, reason: 'unsupported_media_type', message: `cannot read body: ${e.message}` }));
        return;
      }
      resolve(typeof req.body === 'string' ? req.body : '');
    });
  });
}

class ValidationError extends HttpError {
  readonly failure: ValidationFailure;
  constructor(f: ValidationFailure) {
    super(f.status, f.message, f.field);
    this.failure = f;
  }
}

/** The ml.input_validation span: reading and validating the body; ERROR with the reason on rejection. */
function validateInSpan(d: GatewayDeps, root: Span, read: () => Promise<string>): Promise<PredictRequest> {
  return d.tracer.startActiveSpan(Spans.inputValidation, async (span) => {
    try {
      const result = validatePredict(await read(), d);
      if (!result.ok) throw new ValidationError(result.failure);
      const v = result.value;
      root.setAttributes({
        [Attr.modelName]: v.model,
        [Attr.inputType]: v.input_type,
        [Attr.inputSizeBytes]: Buffer.byteLength(v.input),
        [Attr.clientId]: v.client_id,
      });
      span.setStatus({ code: SpanStatusCode.OK });
      return v;
    } catch (err) {
      if (err instanceof ValidationError) {
        span.setAttribute(Attr.validationReason, err.failure.reason);
        if (err.failure.field) span.setAttribute(Attr.validationField, err.failure.field);
      }
      throw markSpanError(span, err);
    } finally {
      span.end();
    }
  });
}
