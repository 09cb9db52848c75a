/**
 * Concurrent /infer requests share one batch, through the service on the real model.
 * The batch closes on its size, never on its wait: maxWaitMs is far longer than any
 * scheduling delay, so on a loaded 2-core machine the three requests still meet (a 2 ms
 * window could close before the second arrived), and nothing waits for the window either,
 * because the third request dispatches the batch.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../target-pipeline/inference/engine/pool.ts';
import { BatchRunner } from '../../target-pipeline/inference/runner.ts';
import { DeviceSemaphore } from '../../target-pipeline/inference/semaphore.ts';
import { inferenceApp } from '../../target-pipeline/inference/service.ts';
import { TokenizerHolder } from '../../target-pipeline/inference/tokenizer-holder.ts';
import { ensureAssets, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { serializeOutput } from '../../target-pipeline/model/decode.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import { exporter, listen, postJson, spans, tracing } from './helpers/tracing.ts';

const BATCH_SIZE = 3;
/** Only a lost request would let the window close: the test then fails on the sizes, after this long. */
const BATCH_WAIT_MS = 10_000;

const { tracer, meter } = tracing();

describe('ml.inference batching, on the generated model (for speed)', () => {
  let assets: ModelAssets;
  let pool: InferencePool;
  let server: Server | undefined;
  let url = '';

  beforeAll(async () => {
    assets = await ensureAssets();
    pool = await InferencePool.create({ modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1 });
    const tokenizers = new TokenizerHolder(assets.tokenizerDir);
    await tokenizers.get();
    const runner = new BatchRunner({ pool, semaphore: new DeviceSemaphore(1), padId: 0, featureDim: assets.featureDim, numLabels: assets.labels.length });
    const app = inferenceApp({
      tracer, meter, assets, pool, runner, tokenizers, output: { serialize: serializeOutput },
      batch: { maxSize: BATCH_SIZE, maxWaitMs: BATCH_WAIT_MS }, maxSeqLen: 64, maxInputChars: 1000,
    });
    ({ server, url } = await listen(app));
  }, 60_000);

  afterAll(async () => {
    server?.close();
    await pool?.close();
  });

  it('should run concurrent requests as one batch when they arrive within the batch wait', async () => {
    exporter.reset();
    const body = { text: 'my card was charged twice', features: new Array(assets.featureDim).fill(0.5) };
    const answers = await Promise.all(Array.from({ length: BATCH_SIZE }, () => postJson(`${url}/infer`, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(BATCH_SIZE).fill(200));
    expect(spans(Spans.inference).map((s) => s.attributes[Attr.batchSize])).toEqual(Array(BATCH_SIZE).fill(BATCH_SIZE));
    expect(spans(Spans.batchAssembly).map((s) => s.attributes[Attr.batchSize])).toEqual(Array(BATCH_SIZE).fill(BATCH_SIZE));
  });
});
