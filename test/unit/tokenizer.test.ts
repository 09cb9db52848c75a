import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAssets, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { encodeBatch, loadTokenizer, type LoadedTokenizer } from '../../target-pipeline/model/tokenizer.ts';
import { VOCAB_SIZE } from '../../target-pipeline/model/spec.ts';

const CLS = 2n;
const SEP = 3n;

let assets: ModelAssets;
let loaded: LoadedTokenizer;

beforeAll(async () => {
  assets = await ensureAssets();
  loaded = await loadTokenizer(assets.tokenizerDir);
});

describe('loadTokenizer, on the generated model\'s tokenizer (for speed)', () => {
  it('should report the generated vocabulary size when loaded', () => {
    expect(loaded.vocabSize).toBe(VOCAB_SIZE);
    expect(loaded.loadMs).toBeGreaterThan(0);
  });

  it('should build a new tokenizer when loaded twice', async () => {
    const again = await loadTokenizer(assets.tokenizerDir);
    expect(again.tokenizer).not.toBe(loaded.tokenizer);
  });

  it('should name tokenizer.json when the folder lacks it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tokenizer-'));
    try {
      await expect(loadTokenizer(empty)).rejects.toThrow(join(empty, 'tokenizer.json'));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('tokenizer, the generated model\'s (for speed)', () => {
  it('should round-trip the text when it is lowercase words and punctuation', () => {
    const text = 'please refund my order, it arrived broken!';
    const { ids } = loaded.tokenizer.encode(text);
    expect(ids[0]).toBe(Number(CLS));
    expect(ids[ids.length - 1]).toBe(Number(SEP));
    expect(loaded.tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
  });

  it('should split an unknown word into ## pieces when it is not in the vocabulary', () => {
    const tokens = loaded.tokenizer.tokenize('zzqxv');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.slice(1).every((t: string) => t.startsWith('##'))).toBe(true);
  });
});

describe('encodeBatch, with the generated model\'s tokenizer (for speed)', () => {
  it('should pad to the longest text when texts differ in length', () => {
    const batch = encodeBatch(loaded.tokenizer, ['hello', 'please cancel my subscription today'], 64);
    expect(batch.batchSize).toBe(2);
    expect(batch.seqLen).toBe(Math.max(...batch.lengths));
    expect(batch.seqLen).toBeLessThan(64);
    expect(batch.inputIds.length).toBe(2 * batch.seqLen);
    const [short = 0] = batch.lengths;
    expect(Array.from(batch.attentionMask.slice(0, batch.seqLen))).toEqual(
      Array.from({ length: batch.seqLen }, (_, i) => (i < short ? 1n : 0n)));
    expect(Array.from(batch.inputIds.slice(short, batch.seqLen)).every((id) => id === 0n)).toBe(true);
    expect(batch.truncated).toEqual([false, false]);
  });

  it('should truncate to maxSeqLen and keep [SEP] last when a text is too long', () => {
    const batch = encodeBatch(loaded.tokenizer, ['word '.repeat(50), 'short'], 16);
    expect(batch.seqLen).toBe(16);
    expect(batch.lengths).toEqual([16, 3]);
    expect(batch.truncated).toEqual([true, false]);
    expect(batch.inputIds[0]).toBe(CLS);
    expect(batch.inputIds[15]).toBe(SEP);
  });

  it('should reject an empty batch when given no texts', () => {
    expect(() => encodeBatch(loaded.tokenizer, [], 16)).toThrow(/at least one text/);
  });
});
