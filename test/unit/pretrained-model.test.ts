/**
 * The pretrained model as built from the fetched all-MiniLM-L6-v2 checkpoint: does it
 * answer the held-out intents, does its graph agree with the NumPy reference, and is a
 * sentence's answer independent of what it is batched with? Needs `make model-fetch`;
 * without the checkpoint these tests are skipped, unless PRETRAINED_REQUIRED=1
 * (`make test-model`) makes that a failure.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../target-pipeline/inference/engine/pool.ts';
import { ensureAssets } from '../../target-pipeline/model/assets.ts';
import { decodeModel } from '../../target-pipeline/model/onnx-proto.ts';
import { CHECKPOINT_WEIGHTS_FILE as WEIGHTS_FILE } from '../../target-pipeline/model/manifest.ts';
import { GENERATED_LABELS as LABELS } from '../../target-pipeline/model/spec.ts';
import { LOGITS, POOLED } from '../../target-pipeline/model/pretrained/bert-graph.ts';
import {
  ensurePretrainedAssets, normaliseRows, type PretrainedAssets,
} from '../../target-pipeline/model/pretrained/build.ts';
import { readIntents, type Intents } from '../../target-pipeline/model/pretrained/intents.ts';
import { readSafetensors } from '../../target-pipeline/model/pretrained/safetensors.ts';
import { encodeBatch, loadTokenizer, type Tokenizer } from '../../target-pipeline/model/tokenizer.ts';
import { checkpointDir, readHeldout, REFERENCE_FILE, versionsEnv } from '../reference/pretrained-paths.ts';

const MIN_ACCURACY = 0.8;
const PARITY_TOLERANCE = 1e-4;
/** Alone vs padded beside a longer sentence: only float reassociation may differ. */
const PADDING_TOLERANCE = 1e-5;

const sourceDir = await checkpointDir();
const available = existsSync(join(sourceDir, WEIGHTS_FILE));
if (!available && process.env.PRETRAINED_REQUIRED === '1') {
  throw new Error(`the pretrained checkpoint is missing (${sourceDir}); run \`make model-fetch\``);
}

interface Reference {
  source: { package: string; version: string; sha256: string };
  sentences: { text: string; ids: number[]; pooled: number[] }[];
}

let assets: PretrainedAssets;
let session: ort.InferenceSession;
let tokenizer: Tokenizer;
let intents: Intents;
let hidden: number;

/** Runs the served graph on `texts` as one padded batch; returns the requested outputs. */
async function forward(texts: string[], names: string[] = [LOGITS, POOLED]): Promise<Record<string, Float32Array>> {
  const b = encodeBatch(tokenizer, texts, assets.maxSeqLen);
  const dims = [b.batchSize, b.seqLen];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', b.inputIds, dims),
    attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
  }, names);
  return Object.fromEntries(names.map((n) => [n, new Float32Array(out[n]?.data as Float32Array)]));
}

function argmaxRows(values: Float32Array, width: number): number[] {
  return Array.from({ length: values.length / width }, (_, r) => {
    const row = Array.from(values.subarray(r * width, (r + 1) * width));
    return row.indexOf(Math.max(...row));
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const TITLE = 'the pretrained model (all-MiniLM-L6-v2 + intent prototypes)';
describe.skipIf(!available)(available ? TITLE : `${TITLE}: skipped, the checkpoint is not fetched (make model-fetch; make test does it)`, () => {
  beforeAll(async () => {
    assets = await ensurePretrainedAssets({ sourceDir });
    session = await ort.InferenceSession.create(assets.modelPath, {
      executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3,
    });
    tokenizer = (await loadTokenizer(assets.tokenizerDir)).tokenizer;
    intents = await readIntents();
    hidden = assets.manifest.pretrained.architecture.hidden ?? 0;
  });

  afterAll(async () => {
    await session?.release();
  });

  it('should take its labels, in order, from intents.json when built', () => {
    expect(assets.labels).toEqual(intents.intents.map((i) => i.label));
    expect(assets.labels).toEqual(['refund', 'cancel', 'password_reset', 'delivery', 'billing', 'upgrade', 'complaint', 'other']);
    expect(session.outputNames).toEqual([LOGITS, POOLED]);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
  });

  it('should score top-1 accuracy of at least 0.8 on the held-out set when the real model answers', async () => {
    const held = await readHeldout();
    const { [LOGITS]: logits = new Float32Array() } = await forward(held.map((h) => h.text), [LOGITS]);
    const predicted = argmaxRows(logits, assets.labels.length).map((k) => assets.labels[k]);
    const misses = held.filter((h, i) => predicted[i] !== h.label).map((h, i) => `${h.text} (${h.label})`);
    const accuracy = held.filter((h, i) => predicted[i] === h.label).length / held.length;

    // The generated model on the same sentences, for comparison: random weights, its own labels.
    const generated = await ensureAssets();
    const genSession = await ort.InferenceSession.create(generated.modelPath, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    let genAccuracy: number;
    try {
      const genTok = (await loadTokenizer(generated.tokenizerDir)).tokenizer;
      const b = encodeBatch(genTok, held.map((h) => h.text), generated.maxSeqLen);
      const out = await genSession.run({
        input_ids: new ort.Tensor('int64', b.inputIds, [b.batchSize, b.seqLen]),
        attention_mask: new ort.Tensor('int64', b.attentionMask, [b.batchSize, b.seqLen]),
        features: new ort.Tensor('float32', new Float32Array(b.batchSize * generated.featureDim), [b.batchSize, generated.featureDim]),
      });
      const genPredicted = argmaxRows(out.logits?.data as Float32Array, LABELS.length).map((k) => LABELS[k]);
      genAccuracy = held.filter((h, i) => genPredicted[i] === h.label).length / held.length;
    } finally {
      await genSession.release();
    }
    console.log(`held-out top-1 accuracy (${held.length} sentences): pretrained ${accuracy.toFixed(3)}, ` +
      `generated ${genAccuracy.toFixed(3)} (chance ${(1 / assets.labels.length).toFixed(3)})` +
      (misses.length ? `; missed: ${misses.join('; ')}` : ''));
    expect(accuracy).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });

  it('should agree with the NumPy reference within 1e-4 when the sentences are run as one padded batch', async () => {
    const ref = JSON.parse(await readFile(REFERENCE_FILE, 'utf8')) as Reference;
    const env = await versionsEnv();
    // The reference must have been made from the pinned checkpoint, not some other one.
    expect(ref.source).toMatchObject({ package: env.MINILM_L6_PACKAGE, version: env.MINILM_L6_VERSION, sha256: env.MINILM_L6_SHA256 });
    for (const s of ref.sentences) expect(tokenizer.encode(s.text).ids, s.text).toEqual(s.ids);

    const { [POOLED]: pooled = new Float32Array() } = await forward(ref.sentences.map((s) => s.text), [POOLED]);
    const error = maxAbsDiff(pooled, ref.sentences.flatMap((s) => s.pooled));
    console.log(`parity with the NumPy reference: max |pooled - reference| = ${error.toExponential(2)} over ${ref.sentences.length} sentences`);
    expect(error).toBeLessThan(PARITY_TOLERANCE);
  });

  it('should give a sentence the same output when it is batched beside a longer one', async () => {
    const short = 'Where is my parcel?';
    const long = 'I ordered a new kettle three weeks ago, paid for express shipping, and it still has not arrived at my flat.';
    const alone = await forward([short]);
    const batched = await forward([long, short, 'ok']);
    const L = assets.labels.length;
    expect(maxAbsDiff(alone[LOGITS] ?? [], (batched[LOGITS] ?? new Float32Array()).subarray(L, 2 * L))).toBeLessThan(PADDING_TOLERANCE);
    expect(maxAbsDiff(alone[POOLED] ?? [], (batched[POOLED] ?? new Float32Array()).subarray(hidden, 2 * hidden))).toBeLessThan(PADDING_TOLERANCE);
  });

  it('should compute logits as scale times the cosine to each prototype when it answers', async () => {
    const protos = new Float32Array(intents.intents.length * hidden);
    for (const [k, intent] of intents.intents.entries()) {
      const rows = normaliseRows((await forward(intent.examples, [POOLED]))[POOLED] ?? new Float32Array(), hidden);
      rows.forEach((v, i) => { protos[k * hidden + (i % hidden)] = (protos[k * hidden + (i % hidden)] as number) + v; });
    }
    normaliseRows(protos, hidden);
    const texts = ['I want my money back', 'my card was billed twice'];
    const out = await forward(texts);
    const unit = normaliseRows(out[POOLED] ?? new Float32Array(), hidden);
    const expected = texts.flatMap((_, r) => intents.intents.map((_, k) => {
      let dot = 0;
      for (let i = 0; i < hidden; i++) dot += (unit[r * hidden + i] as number) * (protos[k * hidden + i] as number);
      return intents.scale * dot;
    }));
    expect(maxAbsDiff(out[LOGITS] ?? [], expected)).toBeLessThan(1e-3);
    expect(argmaxRows(out[LOGITS] ?? new Float32Array(), assets.labels.length).map((k) => assets.labels[k])).toEqual(['refund', 'billing']);
  });

  it('should pad to the longest text and truncate to maxSeqLen when the real tokenizer encodes a batch', () => {
    // tokenizer.json asks for fixed padding to 128 and truncation at 128; encodeBatch must do neither.
    const b = encodeBatch(tokenizer, ['Where is my parcel?', 'hello'], assets.maxSeqLen);
    expect(b.lengths).toEqual([7, 3]);
    expect(b.seqLen).toBe(7);
    const long = encodeBatch(tokenizer, ['refund '.repeat(300)], assets.maxSeqLen);
    expect(long.seqLen).toBe(assets.maxSeqLen);
    expect(long.truncated).toEqual([true]);
    expect(long.inputIds[assets.maxSeqLen - 1]).toBe(BigInt(tokenizer.token_to_id('[SEP]') ?? -1));
  });

  it('should answer through the inference engine worker pool when it is served', async () => {
    const pool = await InferencePool.create({
      modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim, numLabels: assets.labels.length, intraOpThreads: 1,
    });
    try {
      const texts = ['I was charged twice this month', 'Where is my parcel?'];
      const b = encodeBatch(tokenizer, texts, assets.maxSeqLen);
      const out = await pool.run({
        inputIds: b.inputIds, attentionMask: b.attentionMask, batchSize: b.batchSize, seqLen: b.seqLen,
        features: new Float32Array(b.batchSize * assets.featureDim),
      });
      expect(argmaxRows(out.logits, assets.labels.length).map((k) => assets.labels[k])).toEqual(['billing', 'delivery']);
    } finally {
      await pool.close();
    }
  });

  it('should hold only checkpoint weights, the prototypes and constants when the graph is read back', async () => {
    const graph = decodeModel(await readFile(assets.modelPath)).graph;
    const checkpoint = await readSafetensors(join(sourceDir, WEIGHTS_FILE));
    const derived = new Set(['head.prototypes_t', 'embeddings.token_type_embeddings.row0']);
    const foreign = graph.initializer.map((t) => t.name)
      .filter((n) => !checkpoint.info(n) && !derived.has(n) && !/^const_[fi]\d+$/.test(n));
    expect(foreign).toEqual([]);
    // Spot check: the word embeddings are the checkpoint's bytes.
    const word = graph.initializer.find((t) => t.name === 'embeddings.word_embeddings.weight');
    const expected = checkpoint.f32('embeddings.word_embeddings.weight', [assets.vocabSize, hidden]);
    expect(Buffer.from(word?.raw_data ?? []).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
  });
});
