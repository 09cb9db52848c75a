import { type Meter, type Tracer } from '@opentelemetry/api';
import express from 'express';
import { z } from 'zod';
import { Attr, EventAttr, Events, Metrics, Routes, Spans, Services } from '../semconv.ts';
import { jsonErrors } from '../service/run.ts';
import { HttpError, markSpanError } from '../service/errors.ts';
import { postJson } from '../service/upstream.ts';
import { extractTraceContext, recordResponseStatus, serverSpanOptions } from '../telemetry/http.ts';
import { postProcess } from './retry.ts';
import type { OutputValidator } from './validate.ts';
import type { BrokenPoints } from '../telemetry/break.ts';

export interface PostProcessorDeps {
  tracer: Tracer;
  meter: Meter;
  inferenceUrl: string;
  /** The served model's output schema (its manifest's labels). */
  validator: OutputValidator;
  maxAttempts: number;
  timeoutMs: number;
  /** HARNESS_BREAK_INSTRUMENTATION (CI self-test); absent in normal runs. */
  broken?: BrokenPoints;
}

const body = z.object({
  output: z.string().max(1_000_000),
  reinvoke: z.object({ text: z.string().min(1), features: z.array(z.number()) }).strict(),
}).strict();

/**
 * POST /postprocess: parse and validate the model output against its JSON Schema;
 * repair what can be derived, re-invoke the model otherwise; at most maxAttempts.
 */
export function postProcessorApp(d: PostProcessorDeps): express.Express {
  const attemptsHist = d.meter.createHistogram(Metrics.validationAttempts, { description: 'Validation attempts per output' });
  const stageMs = d.meter.createHistogram(Metrics.stageDurationMs);
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  app.use(extractTraceContext);
  app.post(Routes.postprocess, async (req, res, next) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      next(new HttpError(400, `invalid /postprocess body: ${i.path.join('.') || '(root)'}: ${i.message}`, i.path.join('.')));
      return;
    }
    await d.tracer.startActiveSpan(Spans.postProcessing, serverSpanOptions(req, Routes.postprocess), async (span) => {
      const started = performance.now();
      try {
        const outcome = await postProcess(parsed.data.output, async () => {
          const r = await postJson<{ output: string }>(d.tracer, d.inferenceUrl, Routes.infer, parsed.data.reinvoke, d.timeoutMs);
          return r.data.output;
        }, d.validator, { maxAttempts: d.maxAttempts });
        for (const f of outcome.failures) {
          span.addEvent(Events.validationFailed, { [EventAttr.attempt]: f.attempt, [EventAttr.reason]: f.reason, [EventAttr.field]: f.field || 'unknown' });
        }
        if (!d.broken?.has('validation-attempts-attr')) span.setAttribute(Attr.validationAttempts, outcome.attempts);
        span.setAttribute(Attr.outputValid, outcome.value !== undefined);
        span.setAttribute(Attr.outputRequiredRepair, outcome.requiredRepair);
        attemptsHist.record(outcome.attempts);
        if (!outcome.value) {
          const last = outcome.failures.at(-1);
          throw new HttpError(502, `model output failed validation after ${outcome.attempts} attempts (last: ${last?.reason ?? 'unknown'} at ${last?.field ?? 'unknown'})`);
        }
        res.json({ value: outcome.value, attempts: outcome.attempts });
      } catch (err) {
        markSpanError(span, err);
        next(err);
      } finally {
        stageMs.record(performance.now() - started, { stage: 'post_processing' });
        recordResponseStatus(span, res.statusCode);
        span.end();
      }
    });
  });
  app.use(jsonErrors(Services.postProcessor));
  return app;
}
