/**
 * Which pretrained encoder should the pipeline serve? Measures, on this machine, the
 * candidates side by side: forward pass on onnxruntime CPU with one thread at batch
 * 1 x 16 tokens, 8 x 32 and 8 x 64, and top-1 accuracy on the held-out intents with the same
 * prototype head; for the ONNX export it also checks that the MiniLM tokenizer fits it.
 *
 *   node test/reference/model-comparison.ts [--runs N]
 *
 * Needs `make model-pretrained` and `docker/build/model.sh minilm-l3-onnx`; the
 * generated model comes from `make assets`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { ensureAssets } from '../../target-pipeline/model/assets.ts';
import { decodeModel } from '../../target-pipeline/model/onnx-proto.ts';
import { GENERATED_LABELS as LABELS } from '../../target-pipeline/model/spec.ts';
import { loadPretrainedAssets, normaliseRows } from '../../target-pipeline/model/pretrained/build.ts';
import { readIntents } from '../../target-pipeline/model/pretrained/intents.ts';
import { encodeBatch, loadTokenizer, type Tokenizer } from '../../target-pipeline/model/tokenizer.ts';
import { readHeldout, versionsEnv } from './pretrained-paths.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const RUNS = Number(values.runs);
const SHAPES: [number, number][] = [[1, 16], [8, 32], [8, 64]];

interface Candidate {
  name: string;
  session: ort.InferenceSession;
  /** The output to time and (for encoders) to pool: logits or a [B, H] embedding. */
  output: string;
  featureDim?: number;
}

async function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3,
  });
}

function feeds(c: Candidate, ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [batch, seq]),
    attention_mask: new ort.Tensor('int64', mask, [batch, seq]),
  };
  if (c.featureDim) f.features = new ort.Tensor('float32', new Float32Array(batch * c.featureDim), [batch, c.featureDim]);
  return f;
}

/** Median and p90 of RUNS timed runs after 3 warm-up runs. */
async function time(c: Candidate, batch: number, seq: number): Promise<{ median: number; p90: number }> {
  const ids = new BigInt64Array(batch * seq).map((_, i) => BigInt(1000 + ((i * 7919) % 20000)));
  const mask = new BigInt64Array(batch * seq).fill(1n);
  const f = feeds(c, ids, mask, batch, seq);
  for (let i = 0; i < 3; i++) await c.session.run(f, [c.output]);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await c.session.run(f, [c.output]);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)] ?? NaN, p90: ms[Math.floor(ms.length * 0.9)] ?? NaN };
}

async function run(c: Candidate, tokenizer: Tokenizer, texts: string[]): Promise<Float32Array> {
  const b = encodeBatch(tokenizer, texts, 256);
  const out = await c.session.run(feeds(c, b.inputIds, b.attentionMask, b.batchSize, b.seqLen), [c.output]);
  return new Float32Array(out[c.output]?.data as Float32Array);
}

/** Top-1 accuracy of an encoder with prototypes embedded by itself (the served head's recipe). */
async function prototypeAccuracy(c: Candidate, tokenizer: Tokenizer, hidden: number): Promise<number> {
  const intents = await readIntents();
  const held = await readHeldout();
  const protos = new Float32Array(intents.intents.length * hidden);
  for (const [k, intent] of intents.intents.entries()) {
    const rows = normaliseRows(await run(c, tokenizer, intent.examples), hidden);
    rows.forEach((v, i) => { protos[k * hidden + (i % hidden)] = (protos[k * hidden + (i % hidden)] as number) + v; });
  }
  normaliseRows(protos, hidden);
  const emb = normaliseRows(await run(c, tokenizer, held.map((h) => h.text)), hidden);
  let correct = 0;
  held.forEach((h, r) => {
    const scores = intents.intents.map((_, k) => {
      let dot = 0;
      for (let i = 0; i < hidden; i++) dot += (emb[r * hidden + i] as number) * (protos[k * hidden + i] as number);
      return dot;
    });
    if (intents.intents[scores.indexOf(Math.max(...scores))]?.label === h.label) correct++;
  });
  return correct / held.length;
}

const env = await versionsEnv();
const l3Path = join('.tools', `${env.MINILM_L3_ONNX_PACKAGE}-${env.MINILM_L3_ONNX_VERSION}`, 'paraphrase-MiniLM-L3-v2.onnx');
const served = await loadPretrainedAssets();
const { tokenizer, vocabSize } = await loadTokenizer(served.tokenizerDir);

// Does the MiniLM tokenizer fit the ONNX export? Its word-embedding table must have one row per token.
const l3Graph = decodeModel(await readFile(l3Path)).graph;
const wordTable = l3Graph.initializer.find((t) => t.name.endsWith('word_embeddings.weight'));
console.log(`L3 ONNX: inputs ${l3Graph.input.map((i) => i.name).join(', ')}; outputs ${l3Graph.output.map((o) => o.name).join(', ')}; ` +
  `word embeddings [${wordTable?.dims.join(', ')}] vs MiniLM tokenizer vocabulary ${vocabSize}: ` +
  `${wordTable?.dims[0] === vocabSize ? 'equal' : 'DIFFERENT'}`);

const l6: Candidate = { name: 'all-MiniLM-L6-v2 (our graph, served)', session: await session(served.modelPath), output: 'pooled' };
const l3: Candidate = { name: 'paraphrase-MiniLM-L3-v2 (ONNX export)', session: await session(l3Path), output: '461' };
const generated = await ensureAssets();
const gen: Candidate = { name: 'generated (random weights)', session: await session(generated.modelPath), output: 'logits', featureDim: generated.featureDim };

// The export's '461' output should be mean pooling of its token states: check against our own pooling.
{
  const b = encodeBatch(tokenizer, ['Where is my parcel?', 'I forgot my password and cannot sign in to my account.'], 256);
  const out = await l3.session.run(feeds(l3, b.inputIds, b.attentionMask, b.batchSize, b.seqLen));
  const tokens = out['onnx::Shape_422']?.data as Float32Array;
  const pooled = out['461']?.data as Float32Array;
  let maxErr = 0;
  for (let r = 0; r < b.batchSize; r++) {
    for (let i = 0; i < 384; i++) {
      let sum = 0;
      for (let s = 0; s < (b.lengths[r] ?? 0); s++) sum += tokens[(r * b.seqLen + s) * 384 + i] as number;
      maxErr = Math.max(maxErr, Math.abs(sum / (b.lengths[r] ?? 1) - (pooled[r * 384 + i] as number)));
    }
  }
  console.log(`L3 ONNX: output 461 vs mean pooling of its token states: max |diff| ${maxErr.toExponential(2)}`);
}

const genTok = await loadTokenizer(generated.tokenizerDir);
const held = await readHeldout();
const genLogits = await run(gen, genTok.tokenizer, held.map((h) => h.text));
const genCorrect = held.filter((h, r) => {
  const row = Array.from(genLogits.subarray(r * LABELS.length, (r + 1) * LABELS.length));
  return LABELS[row.indexOf(Math.max(...row))] === h.label;
}).length;

console.log(`\nonnxruntime-node CPU, 1 intra-op thread, ${RUNS} runs each (median / p90 ms)`);
console.log(`${'model'.padEnd(40)} ${SHAPES.map(([b, s]) => `${b}x${s}`.padStart(16)).join('')}  held-out top-1`);
for (const [c, acc] of [
  [l6, await prototypeAccuracy(l6, tokenizer, 384)],
  [l3, await prototypeAccuracy(l3, tokenizer, 384)],
  [gen, genCorrect / held.length],
] as [Candidate, number][]) {
  const cells: string[] = [];
  for (const [b, s] of SHAPES) {
    const t = await time(c, b, s);
    cells.push(`${t.median.toFixed(2)} / ${t.p90.toFixed(2)}`.padStart(16));
  }
  console.log(`${c.name.padEnd(40)} ${cells.join('')}  ${acc.toFixed(3)}`);
}
console.log('(generated: its own labels, of which only "refund" is also an intent; chance is 1/8 = 0.125)');
