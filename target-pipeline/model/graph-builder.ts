/**
 * Accumulates ONNX nodes and initializers with generated names, so the model
 * definition in encoder-graph.ts reads like the forward pass it describes.
 */
import {
  AttributeType, DataType,
  type AttributeProto, type NodeProto, type TensorProto,
} from './onnx-proto.ts';
import { uniformWeights } from './prng.ts';

export type AttrValue = number | number[] | string | { float: number };

function floatBytes(values: Float32Array): Uint8Array {
  // ONNX raw_data is little-endian; a typed array's bytes are in host order.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('the asset generator needs a little-endian host to write ONNX raw_data');
  }
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function toAttribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: wrap float values as { float: x }`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly next: () => number;
  private counter = 0;
  private readonly constants = new Map<string, string>();

  constructor(next: () => number) {
    this.next = next;
  }

  /** A trainable-looking weight: uniform noise with the given standard deviation. */
  weight(name: string, dims: number[], std: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.floatTensor(name, dims, uniformWeights(this.next, count, std));
  }

  /** A tensor filled with one value (LayerNorm gamma = 1, biases = 0). */
  filled(name: string, dims: number[], value: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.floatTensor(name, dims, new Float32Array(count).fill(value));
  }

  /** A float scalar constant, shared between all nodes that use the same value. */
  scalar(value: number): string {
    const key = `f:${value}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_f${this.constants.size}`;
    this.floatTensor(name, [], new Float32Array([value]));
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds), shared like scalar(). */
  ints(values: number[]): string {
    const key = `i:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_i${this.constants.size}`;
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name, dims: [values.length], data_type: DataType.INT64,
      raw_data: new Uint8Array(data.buffer),
    });
    this.constants.set(key, name);
    return name;
  }

  /** Appends a node and returns its (first) output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const id = this.counter++;
    const out = output ?? `${opType.toLowerCase()}_${id}`;
    this.nodes.push({
      name: `${opType}_${id}`,
      op_type: opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return out;
  }

  private floatTensor(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: floatBytes(values) });
    return name;
  }
}
