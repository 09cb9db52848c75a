/**
 * Loading the tokenizer from its folder and turning a batch of texts into the
 * model's int64 inputs. loadTokenizer reads and parses the files on every call, on
 * purpose: a tokenizer-reload fault calls it to pay the real rebuild cost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './manifest.ts';

export type { Tokenizer };

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  /** Wall time to read, parse and construct, in ms. */
  loadMs: number;
  vocabSize: number;
}

export interface EncodedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batchSize: number;
  /** Longest sequence in the batch (after truncation); every row is padded to it. */
  seqLen: number;
  /** Real (unpadded) token count per text, special tokens included. */
  lengths: number[];
  /** Whether each text lost tokens to maxSeqLen. */
  truncated: boolean[];
}

/** Pad id per tokenizer, from its config; a WeakMap so that a reload starts clean. */
const padIds = new WeakMap<Tokenizer, number>();

async function readJson(path: string): Promise<object> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read tokenizer file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new Error(`tokenizer file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function loadTokenizer(dir: string): Promise<LoadedTokenizer> {
  const started = performance.now();
  // Read in parallel, but report a failure in file order: whichever read happened to
  // fail first must not decide which file the error names.
  const reads = await Promise.allSettled([readJson(join(dir, TOKENIZER_FILE)), readJson(join(dir, TOKENIZER_CONFIG_FILE))]);
  const failed = reads.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [json, config] = reads.map((r) => (r as PromiseFulfilledResult<object>).value) as [object, object];
  const tokenizer = createTokenizer(json, config, join(dir, TOKENIZER_FILE));
  const loadMs = performance.now() - started;
  return { tokenizer, loadMs, vocabSize: vocabularySize(tokenizer) };
}

/** Tokens in the vocabulary, added (special) tokens included: the ids the tokenizer can emit. */
export function vocabularySize(tokenizer: Tokenizer): number {
  return tokenizer.get_vocab(true).size;
}

/**
 * A tokenizer from the parsed tokenizer.json and tokenizer_config.json; `source`
 * names the tokenizer.json in errors. loadTokenizer is this plus reading the files.
 */
export function createTokenizer(json: object, config: object, source: string): Tokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (err) {
    throw new Error(`cannot build a tokenizer from ${source}: ${(err as Error).message}`);
  }
  const padToken = (config as { pad_token?: unknown }).pad_token;
  const padId = typeof padToken === 'string' ? tokenizer.token_to_id(padToken) : undefined;
  padIds.set(tokenizer, padId ?? 0);
  return tokenizer;
}

/**
 * Keeps the first maxSeqLen tokens, but when the sequence ends in a special token
 * ([SEP]) keeps that at the end, as HF truncation does.
 */
function truncate(tokenizer: Tokenizer, ids: number[], maxSeqLen: number): number[] {
  const last = ids[ids.length - 1];
  const endsSpecial = last !== undefined && tokenizer.get_added_tokens_decoder().get(last)?.special === true;
  if (!endsSpecial || maxSeqLen < 2) return ids.slice(0, maxSeqLen);
  return [...ids.slice(0, maxSeqLen - 1), last];
}

/** Tokenizes, truncates to maxSeqLen and pads to the batch's longest sequence (not to maxSeqLen). */
export function encodeBatch(tokenizer: Tokenizer, texts: string[], maxSeqLen: number): EncodedBatch {
  if (texts.length === 0) throw new Error('encodeBatch needs at least one text');
  if (!Number.isInteger(maxSeqLen) || maxSeqLen < 1) throw new Error(`maxSeqLen must be a positive integer, got ${maxSeqLen}`);
  const rows = texts.map((text) => {
    const ids: number[] = tokenizer.encode(text).ids;
    return ids.length > maxSeqLen
      ? { ids: truncate(tokenizer, ids, maxSeqLen), truncated: true }
      : { ids, truncated: false };
  });
  const seqLen = Math.max(1, ...rows.map((r) => r.ids.length));
  const batchSize = texts.length;
  const inputIds = new BigInt64Array(batchSize * seqLen).fill(BigInt(padIds.get(tokenizer) ?? 0));
  const attentionMask = new BigInt64Array(batchSize * seqLen);
  rows.forEach((row, b) => {
    const base = b * seqLen;
    row.ids.forEach((id, i) => {
      inputIds[base + i] = BigInt(id);
      attentionMask[base + i] = 1n;
    });
  });
  return {
    inputIds, attentionMask, batchSize, seqLen,
    lengths: rows.map((r) => r.ids.length),
    truncated: rows.map((r) => r.truncated),
  };
}
