/**
 * The generated model: a small BERT-style encoder with a classification head that
 * also sees the request's numeric features. The weights are seeded noise, so its
 * answers mean nothing; what matters is that its cost behaves like a real encoder's
 * (linear in batch, quadratic in sequence length through attention) and that its
 * outputs are finite and depend on the input.
 */
import { GraphBuilder } from './graph-builder.ts';
import {
  DataType, IR_VERSION, OPSET_VERSION, tensorValueInfo, type ModelProto,
} from './onnx-proto.ts';
import { mulberry32 } from './prng.ts';
import type { EncoderArchitecture } from './spec.ts';

/** BERT's initializer range: small enough that activations stay finite through every block. */
const INIT_STD = 0.02;
/**
 * The head and the feature projection get larger weights: with 0.02 the logits sit
 * within ~0.1 of each other and every request would score ~1/8 on every label.
 */
const HEAD_INIT_STD = 0.15;
const FEATURE_INIT_STD = 0.3;
const LAYER_NORM_EPSILON = 1e-5;
/** Added to the attention scores of padding positions; large enough to zero them in Softmax. */
const MASK_NEGATIVE = -10000;

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const FEATURES = 'features';
export const LOGITS = 'logits';

function layerNorm(g: GraphBuilder, x: string, prefix: string, hidden: number): string {
  const gamma = g.filled(`${prefix}.gamma`, [hidden], 1);
  const beta = g.filled(`${prefix}.beta`, [hidden], 0);
  return g.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: { float: LAYER_NORM_EPSILON } });
}

function linear(g: GraphBuilder, x: string, prefix: string, inDim: number, outDim: number, std = INIT_STD): string {
  const w = g.weight(`${prefix}.weight`, [inDim, outDim], std);
  const b = g.filled(`${prefix}.bias`, [outDim], 0);
  return g.op('Add', [g.op('MatMul', [x, w]), b]);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)); the Gelu op itself only exists from opset 20. */
function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
}

/** Pre-norm multi-head self-attention with residual; x is [B, S, H], mask is [B, 1, 1, S]. */
function selfAttention(g: GraphBuilder, x: string, mask: string, prefix: string, a: EncoderArchitecture): string {
  const headDim = a.hidden / a.heads;
  const h = layerNorm(g, x, `${prefix}.ln`, a.hidden);
  const split = g.ints([0, 0, a.heads, headDim]);
  const heads = (name: string, perm: number[]): string =>
    g.op('Transpose', [g.op('Reshape', [linear(g, h, `${prefix}.${name}`, a.hidden, a.hidden), split])], { perm });
  const q = heads('q', [0, 2, 1, 3]); // [B, nH, S, d]
  const kT = heads('k', [0, 2, 3, 1]); // [B, nH, d, S]
  const v = heads('v', [0, 2, 1, 3]); // [B, nH, S, d]
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(headDim))]); // [B, nH, S, S]
  const probs = g.op('Softmax', [g.op('Add', [scores, mask])], { axis: -1 });
  const context = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }); // [B, S, nH, d]
  const merged = g.op('Reshape', [context, g.ints([0, 0, a.hidden])]);
  return g.op('Add', [x, linear(g, merged, `${prefix}.out`, a.hidden, a.hidden)]);
}

function feedForward(g: GraphBuilder, x: string, prefix: string, a: EncoderArchitecture): string {
  const h = layerNorm(g, x, `${prefix}.ln`, a.hidden);
  const up = gelu(g, linear(g, h, `${prefix}.up`, a.hidden, a.ffn));
  return g.op('Add', [x, linear(g, up, `${prefix}.down`, a.ffn, a.hidden)]);
}

export function buildEncoderModel(a: EncoderArchitecture, seed: number, producerVersion: string): ModelProto {
  if (a.hidden % a.heads !== 0) throw new Error(`hidden size ${a.hidden} is not divisible by ${a.heads} heads`);
  const g = new GraphBuilder(mulberry32(seed));

  // Embeddings: token lookup plus a learned position table cut to the batch's length.
  const tokenEmb = g.weight('embeddings.token', [a.vocabSize, a.hidden], INIT_STD);
  const posEmb = g.weight('embeddings.position', [a.maxPositions, a.hidden], INIT_STD);
  const seqLen = g.op('Slice', [g.op('Shape', [INPUT_IDS]), g.ints([1]), g.ints([2]), g.ints([0])]);
  const positions = g.op('Slice', [posEmb, g.ints([0]), seqLen, g.ints([0])]); // [S, H]
  let x = g.op('Add', [g.op('Gather', [tokenEmb, INPUT_IDS], { axis: 0 }), positions]);
  x = layerNorm(g, x, 'embeddings.ln', a.hidden);

  // 1 for real tokens, 0 for padding, as float; padding gets a large negative attention score.
  const maskF = g.op('Cast', [ATTENTION_MASK], { to: DataType.FLOAT }); // [B, S]
  const additive = g.op('Mul', [g.op('Sub', [g.scalar(1), maskF]), g.scalar(MASK_NEGATIVE)]);
  const attnMask = g.op('Unsqueeze', [additive, g.ints([1, 2])]); // [B, 1, 1, S]

  for (let layer = 0; layer < a.layers; layer++) {
    x = selfAttention(g, x, attnMask, `layer${layer}.attention`, a);
    x = feedForward(g, x, `layer${layer}.ffn`, a);
  }
  x = layerNorm(g, x, 'final.ln', a.hidden);

  // Mean over real tokens only; Max(count, 1) keeps an all-padding row finite.
  const summed = g.op('ReduceSum', [g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.ints([2])])]), g.ints([1])], { keepdims: 0 });
  const count = g.op('Max', [g.op('ReduceSum', [maskF, g.ints([1])], { keepdims: 1 }), g.scalar(1)]);
  const pooled = g.op('Div', [summed, count]); // [B, H]

  // Features are unnormalised upstream values; LayerNorm + Tanh keeps any scale finite.
  const featNorm = layerNorm(g, FEATURES, 'features.ln', a.featureDim);
  const featProj = g.op('Tanh', [linear(g, featNorm, 'features.proj', a.featureDim, a.hidden, FEATURE_INIT_STD)]);

  const joined = g.op('Concat', [pooled, featProj], { axis: 1 }); // [B, 2H]
  const headW = g.weight('head.weight', [2 * a.hidden, a.numLabels], HEAD_INIT_STD);
  const headB = g.filled('head.bias', [a.numLabels], 0);
  g.op('Add', [g.op('MatMul', [joined, headW]), headB], {}, LOGITS);

  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET_VERSION }],
    producer_name: 'ml-bottleneck-harness',
    producer_version: producerVersion,
    doc_string: 'Generated BERT-style encoder with seeded random weights; for load testing only.',
    graph: {
      name: 'generated_encoder',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        tensorValueInfo(INPUT_IDS, DataType.INT64, ['batch', 'seq']),
        tensorValueInfo(ATTENTION_MASK, DataType.INT64, ['batch', 'seq']),
        tensorValueInfo(FEATURES, DataType.FLOAT, ['batch', a.featureDim]),
      ],
      output: [tensorValueInfo(LOGITS, DataType.FLOAT, ['batch', a.numLabels])],
    },
    metadata_props: [
      { key: 'architecture', value: JSON.stringify(a) },
      { key: 'seed', value: String(seed) },
    ],
  };
}
