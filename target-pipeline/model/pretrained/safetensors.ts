/**
 * Reading a .safetensors checkpoint (https://github.com/huggingface/safetensors): an
 * 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
 * and byte range, then the raw little-endian data. Only F32 tensors are handed out.
 */
import { readFile } from 'node:fs/promises';

/** Header entries are at most this long; a larger length means the file is not safetensors. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorInfo {
  dtype: string;
  shape: number[];
  /** Byte range within the data section, [start, end). */
  offsets: [number, number];
}

export interface Checkpoint {
  path: string;
  names: string[];
  info(name: string): TensorInfo | undefined;
  /** The F32 tensor `name`, checked against `shape`; the error names the file, tensor and both shapes. */
  f32(name: string, shape: number[]): Float32Array;
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

export function parseSafetensors(bytes: Uint8Array, path: string): Checkpoint {
  if (!isLittleEndian()) throw new Error('reading safetensors needs a little-endian host');
  if (bytes.byteLength < 8) throw new Error(`${path} is not a safetensors file: ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new Error(`${path} is not a safetensors file: header length ${headerLen} does not fit its ${bytes.byteLength} bytes`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path} is not a safetensors file: its header is not JSON (${(err as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = entry.shape as number[];
    const offsets = entry.data_offsets as [number, number];
    const width = DTYPE_BYTES[String(entry.dtype)];
    const count = Array.isArray(shape) ? shape.reduce((a, b) => a * b, 1) : NaN;
    if (!width || !Array.isArray(offsets) || offsets.length !== 2 || offsets[1] > dataLen ||
        offsets[1] - offsets[0] !== count * width) {
      throw new Error(`${path}: tensor ${name} has an inconsistent header entry ${JSON.stringify(raw)}`);
    }
    tensors.set(name, { dtype: String(entry.dtype), shape, offsets });
  }

  return {
    path,
    names: [...tensors.keys()],
    info: (name) => tensors.get(name),
    f32(name, shape) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${path} has no tensor ${name}`);
      if (t.dtype !== 'F32') throw new Error(`${path}: tensor ${name} is ${t.dtype}, expected F32`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`${path}: tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      const start = bytes.byteOffset + dataStart + t.offsets[0];
      const count = (t.offsets[1] - t.offsets[0]) / 4;
      // A Float32Array view needs 4-byte alignment; the format does not promise it, so copy when absent.
      if (start % 4 === 0) return new Float32Array(bytes.buffer, start, count);
      return new Float32Array(bytes.slice(dataStart + t.offsets[0], dataStart + t.offsets[1]).buffer);
    },
  };
}

export async function readSafetensors(path: string): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  return parseSafetensors(bytes, path);
}
