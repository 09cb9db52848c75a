/**
 * A tiny BERT checkpoint in the Hugging Face layout, written by tests so that building
 * and serving a checkpoint needs no download: config.json, model.safetensors with
 * deterministic values, and a tokenizer (the generated model's, whose 30522 tokens
 * match the config's vocab_size).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TINY = {
  model_type: 'bert', hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 16,
  max_position_embeddings: 32, vocab_size: 30522, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: 'gelu',
};

export const INTENTS = {
  scale: 10,
  intents: [
    { label: 'greeting', meaning: 'hello', examples: ['hello there', 'good morning'] },
    { label: 'farewell', meaning: 'goodbye', examples: ['goodbye', 'see you later'] },
    { label: 'thanks', meaning: 'gratitude', examples: ['thank you', 'many thanks'] },
  ],
};

export type Tensors = Record<string, { shape: number[]; data: Float32Array }>;

/** A safetensors file: header length, JSON header (padded to 8 bytes), data. */
export function safetensorsBytes(tensors: Tensors): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer))]);
}

/** Deterministic, input-dependent values (test data, not a model anyone serves). */
export function values(shape: number[], salt: number, ones = false): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, (_, i) => (ones ? 1 : 0) + 0.1 * Math.sin(salt * 12.9898 + i * 0.731)) };
}

export function tinyWeights(c = TINY, prefix = ''): Tensors {
  const H = c.hidden_size;
  const t: Tensors = {};
  let salt = 1;
  const add = (name: string, shape: number[], ones = false): void => { t[prefix + name] = values(shape, salt++, ones); };
  add('embeddings.word_embeddings.weight', [c.vocab_size, H]);
  add('embeddings.position_embeddings.weight', [c.max_position_embeddings, H]);
  add('embeddings.token_type_embeddings.weight', [c.type_vocab_size, H]);
  add('embeddings.LayerNorm.weight', [H], true);
  add('embeddings.LayerNorm.bias', [H]);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const n of ['query', 'key', 'value']) { add(`${p}.attention.self.${n}.weight`, [H, H]); add(`${p}.attention.self.${n}.bias`, [H]); }
    add(`${p}.attention.output.dense.weight`, [H, H]); add(`${p}.attention.output.dense.bias`, [H]);
    add(`${p}.attention.output.LayerNorm.weight`, [H], true); add(`${p}.attention.output.LayerNorm.bias`, [H]);
    add(`${p}.intermediate.dense.weight`, [c.intermediate_size, H]); add(`${p}.intermediate.dense.bias`, [c.intermediate_size]);
    add(`${p}.output.dense.weight`, [H, c.intermediate_size]); add(`${p}.output.dense.bias`, [H]);
    add(`${p}.output.LayerNorm.weight`, [H], true); add(`${p}.output.LayerNorm.bias`, [H]);
  }
  return t;
}

/**
 * Writes a checkpoint folder `dir` with the tokenizer files from `tokenizerDir`;
 * tokenizer_config.json only when asked (some real checkpoints ship without one).
 */
export async function writeCheckpoint(
  dir: string, tokenizerDir: string, opts: { config?: object; tensors?: Tensors; tokenizerConfig?: boolean } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(opts.config ?? TINY));
  await writeFile(join(dir, 'model.safetensors'), safetensorsBytes(opts.tensors ?? tinyWeights()));
  await copyFile(join(tokenizerDir, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  if (opts.tokenizerConfig ?? true) await copyFile(join(tokenizerDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}
