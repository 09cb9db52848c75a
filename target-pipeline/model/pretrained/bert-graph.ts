/**
 * A pretrained BERT encoder (Hugging Face BertModel weights) as an ONNX graph, written
 * with the project's own GraphBuilder: post-norm transformer blocks as in BERT, mean
 * pooling over real tokens, and optionally the intent head (scaled cosine similarity
 * to fixed prototypes). Every weight comes from the checkpoint or the prototypes; the
 * builder's random source throws, so no random number can reach the graph.
 */
import { GraphBuilder } from '../graph-builder.ts';
import {
  DataType, IR_VERSION, OPSET_VERSION, tensorValueInfo, type ModelProto, type ValueInfoProto,
} from '../onnx-proto.ts';
import type { BertConfig } from './bert-config.ts';

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
/** Mean of the last hidden states over real tokens, [batch, hidden]; not normalised. */
export const POOLED = 'pooled';
/** scale * cos(pooled, prototype) per label, [batch, labels]. */
export const LOGITS = 'logits';

/** Added to the attention scores of padding positions: exp() of it is exactly 0 in float32. */
const MASK_NEGATIVE = -10000;
/** sentence-transformers' Pooling clamps the token count to at least this. */
const POOL_MIN_COUNT = 1e-9;
/** torch.nn.functional.normalize's default eps. */
const NORM_EPSILON = 1e-12;

/** A weight by its checkpoint name, checked against the shape the graph expects. */
export type WeightSource = (name: string, shape: number[]) => Float32Array;

export interface IntentHead {
  labels: readonly string[];
  /** [labels.length * hidden], row per label, each of unit length. */
  prototypes: Float32Array;
  scale: number;
}

function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A float initializer with the given values (the builder's own helpers only fill or randomise). */
function tensor(g: GraphBuilder, name: string, dims: number[], values: Float32Array): string {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  g.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: floatBytes(values) });
  return name;
}

/** PyTorch stores a Linear's weight as [out, in]; MatMul wants [in, out]. */
function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}

function noRandomWeights(): number {
  throw new Error('the pretrained graph asked for a random number; every weight must come from the checkpoint');
}

export interface BertGraphOptions {
  config: BertConfig;
  weights: WeightSource;
  /** Without a head the graph has only the pooled output (used to embed the prototypes). */
  head?: IntentHead;
  producerVersion: string;
  metadata?: Record<string, string>;
}

export function buildBertModel(o: BertGraphOptions): ModelProto {
  const c = o.config;
  const H = c.hidden_size;
  const heads = c.num_attention_heads;
  const headDim = H / heads;
  const g = new GraphBuilder(noRandomWeights);
  const w = (name: string, shape: number[]): string => tensor(g, name, shape, o.weights(name, shape));
  const linear = (x: string, name: string, inDim: number, outDim: number): string => {
    const weight = tensor(g, `${name}.weight`, [inDim, outDim], transposed(o.weights(`${name}.weight`, [outDim, inDim]), outDim, inDim));
    return g.op('Add', [g.op('MatMul', [x, weight]), w(`${name}.bias`, [outDim])]);
  };
  const layerNorm = (x: string, name: string): string =>
    g.op('LayerNormalization', [x, w(`${name}.weight`, [H]), w(`${name}.bias`, [H])],
      { axis: -1, epsilon: { float: c.layer_norm_eps } });
  const gelu = (x: string): string => {
    const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]);
    return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
  };

  // Embeddings: word + position + token type 0 (the pipeline sends single sentences).
  const word = g.op('Gather', [w('embeddings.word_embeddings.weight', [c.vocab_size, H]), INPUT_IDS], { axis: 0 });
  const seqLen = g.op('Slice', [g.op('Shape', [INPUT_IDS]), g.ints([1]), g.ints([2]), g.ints([0])]);
  const positions = g.op('Slice', [w('embeddings.position_embeddings.weight', [c.max_position_embeddings, H]),
    g.ints([0]), seqLen, g.ints([0])]); // [S, H]
  const typeTable = o.weights('embeddings.token_type_embeddings.weight', [c.type_vocab_size, H]);
  const type0 = tensor(g, 'embeddings.token_type_embeddings.row0', [H], typeTable.slice(0, H));
  let x = layerNorm(g.op('Add', [g.op('Add', [word, positions]), type0]), 'embeddings.LayerNorm');

  const maskF = g.op('Cast', [ATTENTION_MASK], { to: DataType.FLOAT }); // [B, S]
  const additive = g.op('Mul', [g.op('Sub', [g.scalar(1), maskF]), g.scalar(MASK_NEGATIVE)]);
  const attnMask = g.op('Unsqueeze', [additive, g.ints([1, 2])]); // [B, 1, 1, S]
  const split = g.ints([0, 0, heads, headDim]);

  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}`;
    const project = (name: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.attention.self.${name}`, H, H), split])], { perm });
    const q = project('query', [0, 2, 1, 3]); // [B, nH, S, d]
    const kT = project('key', [0, 2, 3, 1]); // [B, nH, d, S]
    const v = project('value', [0, 2, 1, 3]); // [B, nH, S, d]
    const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(headDim))]);
    const probs = g.op('Softmax', [g.op('Add', [scores, attnMask])], { axis: -1 });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), g.ints([0, 0, H])]);
    const attended = layerNorm(g.op('Add', [x, linear(context, `${p}.attention.output.dense`, H, H)]), `${p}.attention.output.LayerNorm`);
    const inner = gelu(linear(attended, `${p}.intermediate.dense`, H, c.intermediate_size));
    x = layerNorm(g.op('Add', [attended, linear(inner, `${p}.output.dense`, c.intermediate_size, H)]), `${p}.output.LayerNorm`);
  }

  // Mean over real tokens, as sentence-transformers' Pooling (mean mode) computes it.
  const summed = g.op('ReduceSum', [g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.ints([2])])]), g.ints([1])], { keepdims: 0 });
  const count = g.op('Max', [g.op('ReduceSum', [maskF, g.ints([1])], { keepdims: 1 }), g.scalar(POOL_MIN_COUNT)]);
  g.op('Div', [summed, count], {}, POOLED); // [B, H]

  const outputs: ValueInfoProto[] = [tensorValueInfo(POOLED, DataType.FLOAT, ['batch', H])];
  if (o.head) {
    const { labels, prototypes, scale } = o.head;
    if (prototypes.length !== labels.length * H) {
      throw new Error(`intent head: ${prototypes.length} prototype values for ${labels.length} labels of width ${H}`);
    }
    const norm = g.op('Max', [g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [POOLED, POOLED]), g.ints([1])], { keepdims: 1 })]),
      g.scalar(NORM_EPSILON)]);
    const unit = g.op('Div', [POOLED, norm]); // [B, H]
    const protoT = tensor(g, 'head.prototypes_t', [H, labels.length], transposed(prototypes, labels.length, H));
    g.op('Mul', [g.op('MatMul', [unit, protoT]), g.scalar(scale)], {}, LOGITS);
    // logits first: a reader that takes the first output gets the answer.
    outputs.unshift(tensorValueInfo(LOGITS, DataType.FLOAT, ['batch', labels.length]));
  }

  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET_VERSION }],
    producer_name: 'ml-bottleneck-harness',
    producer_version: o.producerVersion,
    doc_string: o.head
      ? 'Pretrained BERT encoder, mean pooling, intent head: logits = scale * cosine(pooled, label prototype).'
      : 'Pretrained BERT encoder with mean pooling.',
    graph: {
      name: 'pretrained_encoder',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        tensorValueInfo(INPUT_IDS, DataType.INT64, ['batch', 'seq']),
        tensorValueInfo(ATTENTION_MASK, DataType.INT64, ['batch', 'seq']),
      ],
      output: outputs,
    },
    metadata_props: Object.entries({
      ...(o.head ? { labels: JSON.stringify(o.head.labels), scale: String(o.head.scale) } : {}),
      ...o.metadata,
    }).map(([key, value]) => ({ key, value })),
  };
}
