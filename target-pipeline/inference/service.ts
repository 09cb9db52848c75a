import { context, trace, type Meter, type Tracer } from '@opentelemetry/api';
import express from 'express';
import { z } from 'zod';
import type { ModelAssets } from '../model/assets.ts';
import { decodeOutput } from '../model/decode.ts';
import type { ModelOutput } from '../model/output.ts';
import { encodeBatch } from '../model/tokenizer.ts';
import { Attr, EventAttr, Events, HIGH_QUEUE_WAIT_MS, httpSpanName, Metrics, ModelLoadState, Routes, Spans, Services } from '../semconv.ts';
import { jsonErrors } from '../service/run.ts';
import { HttpError, markSpanError } from '../service/errors.ts';
import { extractTraceContext, recordResponseStatus, serverSpanOptions } from '../telemetry/http.ts';
import { DynamicBatcher } from './batcher.ts';
import type { InferencePool } from './engine/pool.ts';
import type { GpuMemory } from './gpu-memory.ts';
import { roundMs } from '../telemetry/units.ts';
import { tracerFor, type BrokenPoints } from '../telemetry/break.ts';
import type { BatchRun, RowInput, RowResult } from './runner.ts';
import type { TokenizerSource } from './tokenizer-holder.ts';

/** Tokenization slower than this gets an event on the batch assembly span. */
export const SLOW_TOKENIZATION_MS = 20;

export interface InferenceDeps {
  tracer: Tracer;
  meter: Meter;
  assets: ModelAssets;
  pool: InferencePool;
  runner: BatchRun;
  tokenizers: TokenizerSource;
  /** Writes a decoded output as the JSON text the post-processor receives. */
  output: OutputWriter;
  batch: { maxSize: number; maxWaitMs: number };
  maxSeqLen: number;
  maxInputChars: number;
  /** HARNESS_BREAK_INSTRUMENTATION (CI self-test); absent in normal runs. */
  broken?: BrokenPoints;
  /** Present on a GPU provider only, so that on CPU the memory attributes are absent. */
  gpuMemory?: { latest(): GpuMemory | undefined };
}

export interface OutputWriter {
  serialize(output: ModelOutput): string;
}

/**
 * The /infer body. A model with a features input needs exactly featureDim values; one
 * without (featureDim 0) still gets the request's feature row, of any length, and does
 * not use it: the gateway's contract does not depend on the model served.
 */
export function inferRequestSchema(featureDim: number, maxInputChars: number) {
  const row = z.array(z.number().finite());
  return z.object({
    text: z.string().min(1).max(maxInputChars),
    features: featureDim > 0 ? row.length(featureDim) : row,
  }).strict();
}

const epochMs = (perfNow: number): number => performance.timeOrigin + perfNow;

/** POST /infer: batch assembly (tokenize, wait for a batch) then inference on the device. */
export function inferenceApp(d: InferenceDeps): express.Express {
  const schema = inferRequestSchema(d.assets.featureDim, d.maxInputChars);
  const batcher = new DynamicBatcher<RowInput, RowResult>({ ...d.batch, run: (rows) => d.runner.run(rows) });
  const stageMs = d.meter.createHistogram(Metrics.stageDurationMs, { description: 'Duration of each pipeline stage, ms' });
  const queueWait = d.meter.createHistogram(Metrics.queueWaitMs);
  const forwardPass = d.meter.createHistogram(Metrics.forwardPassMs);
  const tokenizerInits = d.meter.createCounter(Metrics.tokenizerInits);
  // Exported from the start at 0: a counter series that first appears at 1 hides its first
  // rebuild from Prometheus's rate() and increase().
  tokenizerInits.add(0);

  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use(extractTraceContext);
  app.post(Routes.infer, (req, res, next) => {
    // The service's entry span: the SERVER side of the caller's CLIENT span, parent of
    // batch assembly and inference (each request's own two contract spans).
    d.tracer.startActiveSpan(httpSpanName(req.method, Routes.infer), serverSpanOptions(req, Routes.infer), async (server) => {
      try {
        const parsed = schema.safeParse(req.body);
        if (!parsed.success) {
          const i = parsed.error.issues[0]!;
          throw new HttpError(400, `invalid /infer body: ${i.path.join('.') || '(root)'}: ${i.message}`, i.path.join('.'));
        }
        const { text, features } = parsed.data;

        // Batch assembly: tokenizer (rebuilt here when it was discarded), then the batch wait.
        const assemblyStart = performance.now();
        const assembly = d.tracer.startSpan(Spans.batchAssembly);
        const assemblyCtx = trace.setSpan(context.active(), assembly);
        let outcome;
        let tokens: number;
        try {
          const { loaded } = await d.tokenizers.get((build) =>
            // The tokenizer is rebuilt either way; a broken 'tokenizer-init-span' only leaves its span unrecorded.
            tracerFor('tokenizer-init-span', d.tracer, d.broken).startActiveSpan(Spans.tokenizerInit, {}, assemblyCtx, async (span) => {
              try {
                const t = await build();
                span.setAttribute(Attr.tokenizerLoadMs, roundMs(t.loadMs));
                span.setAttribute(Attr.tokenizerVocabSize, t.vocabSize);
                tokenizerInits.add(1);
                return t;
              } catch (err) {
                throw markSpanError(span, err);
              } finally {
                span.end();
              }
            }),
          );
          const t0 = performance.now();
          const enc = encodeBatch(loaded.tokenizer, [text], d.maxSeqLen);
          const tokenizeMs = performance.now() - t0;
          tokens = enc.lengths[0] ?? 0;
          if (tokenizeMs > SLOW_TOKENIZATION_MS) {
            assembly.addEvent(Events.slowTokenization, { [EventAttr.durationMs]: roundMs(tokenizeMs) });
          }
          assembly.setAttribute(Attr.tokensInput, tokens);
          assembly.setAttribute(Attr.tokensTruncated, enc.truncated[0] ?? false);
          const ids = Array.from(enc.inputIds.subarray(0, tokens), Number);
          outcome = await batcher.submit({ ids, features, context: context.active() });
          assembly.setAttribute(Attr.batchSize, outcome.batchSize);
          assembly.setAttribute(Attr.batchWaitMs, roundMs(outcome.batchWaitMs));
        } catch (err) {
          throw markSpanError(assembly, err);
        } finally {
          assembly.end(outcome ? epochMs(outcome.dispatchedAt) : undefined);
          stageMs.record((outcome?.dispatchedAt ?? performance.now()) - assemblyStart, { stage: 'batch_assembly' });
        }

        // Inference: the span starts when the batch is dispatched and covers the slot wait and forward pass.
        const span = d.tracer.startSpan(Spans.inference, { startTime: epochMs(outcome.dispatchedAt) });
        let row: RowResult;
        try {
          row = await outcome.result;
          span.setAttributes({
            [Attr.batchSize]: row.batchSize,
            [Attr.batchMaxSeqLen]: row.maxSeqLen,
            [Attr.modelVersion]: d.assets.version,
            [Attr.deviceType]: d.pool.provider,
            [Attr.deviceId]: d.pool.deviceId,
            ...(d.broken?.has('queue-wait-attr') ? {} : { [Attr.queueWaitMs]: roundMs(row.queueWaitMs) }),
            [Attr.forwardPassMs]: roundMs(row.forwardPassMs),
            [Attr.modelLoadState]: row.coldRun ? ModelLoadState.cold : ModelLoadState.warm,
          });
          const mem = d.gpuMemory?.latest();
          if (mem) span.setAttributes({ [Attr.gpuMemoryAllocatedMb]: mem.allocatedMb, [Attr.gpuMemoryReservedMb]: mem.reservedMb });
          if (row.queueWaitMs > HIGH_QUEUE_WAIT_MS) {
            span.addEvent(Events.highQueueWait, { [EventAttr.queueWaitMs]: roundMs(row.queueWaitMs), [EventAttr.batchSize]: row.batchSize });
          }
          queueWait.record(row.queueWaitMs);
          forwardPass.record(row.forwardPassMs, { [Attr.batchSize]: row.batchSize });
        } catch (err) {
          throw markSpanError(span, err);
        } finally {
          span.end();
        }
        stageMs.record(row.queueWaitMs + row.forwardPassMs, { stage: 'inference' });

        const output = d.output.serialize(decodeOutput(row.logits, 0, d.assets.labels, tokens, d.assets.version));
        res.json({ output, tokens, model_version: d.assets.version, device: d.pool.provider });
      } catch (err) {
        markSpanError(server, err);
        next(err);
      } finally {
        recordResponseStatus(server, res.statusCode);
        server.end();
      }
    });
  });
  app.use(jsonErrors(Services.inference));
  return app;
}
