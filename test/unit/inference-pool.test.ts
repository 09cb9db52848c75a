import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InferencePool, type InferenceBatch } from '../../target-pipeline/inference/engine/pool.ts';
import { ensureAssets, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { encodeBatch, loadTokenizer } from '../../target-pipeline/model/tokenizer.ts';

let assets: ModelAssets;
/** Two workers, asked for CUDA first: this machine has no CUDA libraries, so it runs on cpu. */
let pool: InferencePool;
let fallbackWarnings: string[];

function batchOf(batchSize: number, seqLen: number, seed = 1): InferenceBatch {
  return {
    inputIds: BigInt64Array.from({ length: batchSize * seqLen }, (_, i) => BigInt(5 + ((i + seed) * 7919) % 30000)),
    attentionMask: new BigInt64Array(batchSize * seqLen).fill(1n),
    features: Float32Array.from({ length: batchSize * assets.featureDim }, (_, i) => ((i + seed) % 7) - 3),
    batchSize,
    seqLen,
  };
}

beforeAll(async () => {
  assets = await ensureAssets();
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    pool = await InferencePool.create({
      modelPath: assets.modelPath, workers: 2, providers: ['cuda', 'cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1,
    });
    fallbackWarnings = warn.mock.calls.map((args) => String(args[0]));
  } finally {
    warn.mockRestore();
  }
});

afterAll(async () => {
  await pool?.close();
});

describe('InferencePool.create, on the generated model (for speed)', () => {
  it('should fall back to cpu and warn once when cuda is unavailable', () => {
    expect(pool.provider).toBe('cpu');
    expect(pool.deviceId).toBe('cpu');
    expect(pool.size).toBe(2);
    expect(pool.modelLoadMs).toBeGreaterThan(0);
    expect(fallbackWarnings.filter((w) => w.includes("'cuda'"))).toHaveLength(1);
  });

  it('should reject with the model path when the model file does not exist', async () => {
    await expect(InferencePool.create({ modelPath: '/nonexistent/model.onnx', workers: 1, providers: ['cpu'], featureDim: 16, numLabels: 8 }))
      .rejects.toThrow('/nonexistent/model.onnx');
  });
});

describe('InferencePool.run, on the generated model (for speed)', () => {
  it('should return finite logits of shape [batch, labels] when given a tokenized batch', async () => {
    const { tokenizer } = await loadTokenizer(assets.tokenizerDir);
    const texts = ['please refund my order', 'upgrade my plan', 'the package never arrived and support did not answer'];
    const encoded = encodeBatch(tokenizer, texts, assets.maxSeqLen);
    const features = Float32Array.from({ length: texts.length * assets.featureDim }, (_, i) => i / 10);
    const result = await pool.run({ ...encoded, features });
    expect(result.logits).toHaveLength(texts.length * assets.labels.length);
    expect(result.logits.every(Number.isFinite)).toBe(true);
    expect(result.forwardPassMs).toBeGreaterThan(0);
    // Different inputs, different outputs: the rows are not all equal.
    const rows = [0, 1, 2].map((r) => Array.from(result.logits.slice(r * 8, r * 8 + 8)).join());
    expect(new Set(rows).size).toBe(3);
  });

  it('should run on both workers when two batches are submitted at once', async () => {
    const results = await Promise.all([pool.run(batchOf(4, 32, 1)), pool.run(batchOf(4, 32, 2))]);
    expect(new Set(results.map((r) => r.workerId)).size).toBe(2);
    for (const r of results) expect(r.logits.every(Number.isFinite)).toBe(true);
  });

  it('should complete every batch when more batches than workers are queued', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((s) => pool.run(batchOf(2, 16, s))));
    expect(results).toHaveLength(5);
    expect(pool.queued).toBe(0);
  });

  it('should reject naming the input when a batch has the wrong size', async () => {
    const bad = { ...batchOf(2, 8), features: new Float32Array(3) };
    await expect(pool.run(bad)).rejects.toThrow(/features has 3 values/);
  });

  it('should fail the in-flight batch and replace the worker when a worker crashes', async () => {
    // Both workers are idle, so the batch goes to the first one, worker 0.
    const inFlight = pool.run(batchOf(8, 128));
    const killed = pool.killWorker(0);
    await expect(inFlight).rejects.toThrow(/inference worker 0 crashed while running a 8x128 batch/);
    await killed;
    expect(pool.size).toBe(2);
    const after = await Promise.all([pool.run(batchOf(1, 8)), pool.run(batchOf(1, 8))]);
    expect(after.map((r) => r.workerId)).not.toContain(0);
    expect(new Set(after.map((r) => r.workerId)).size).toBe(2);
  });
});

describe('InferencePool FIFO queue, on the generated model (for speed)', () => {
  it('should finish queued batches in submission order when there is one worker', async () => {
    const single = await InferencePool.create({ modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1 });
    try {
      const order: number[] = [];
      await Promise.all([0, 1, 2, 3].map((i) => single.run(batchOf(1, 8, i)).then(() => order.push(i))));
      expect(order).toEqual([0, 1, 2, 3]);
    } finally {
      await single.close();
    }
    await expect(single.run(batchOf(1, 8))).rejects.toThrow(/closed/);
  });
});
