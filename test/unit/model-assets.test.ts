import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAssets, loadAssetsManifest } from '../../target-pipeline/model/assets.ts';
import { buildAssets, type BuildResult } from '../../target-pipeline/model/build-assets.ts';
import { decodeModel, IR_VERSION, OPSET_VERSION } from '../../target-pipeline/model/onnx-proto.ts';
import { FEATURE_DIM, GENERATED_LABELS as LABELS, MAX_SEQ_LEN, VOCAB_SIZE } from '../../target-pipeline/model/spec.ts';

let root: string;
let first: BuildResult;
let dirA: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'model-assets-'));
  dirA = join(root, 'a');
  first = await buildAssets({ outDir: dirA });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildAssets', () => {
  it('should write byte-identical files when built twice with the same seed', async () => {
    const dirB = join(root, 'b');
    await buildAssets({ outDir: dirB });
    const names = (await readdir(dirA)).sort();
    expect(names).toEqual(['manifest.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect((await readdir(dirB)).sort()).toEqual(names);
    for (const name of names) {
      const [a, b] = await Promise.all([readFile(join(dirA, name)), readFile(join(dirB, name))]);
      expect(a.equals(b), `${name} differs between builds`).toBe(true);
    }
  });

  it('should describe the model in the manifest when built', async () => {
    const manifest = JSON.parse(await readFile(join(dirA, 'manifest.json'), 'utf8'));
    expect(manifest.modelVersion).toMatch(/^gen-[0-9a-f]{12}$/);
    expect(manifest.labels).toEqual([...LABELS]);
    expect(manifest.featureDim).toBe(FEATURE_DIM);
    expect(manifest.maxSeqLen).toBe(MAX_SEQ_LEN);
    expect(manifest.vocabSize).toBe(VOCAB_SIZE);
    const modelBytes = await readFile(join(dirA, 'model.onnx'));
    expect(manifest.files['model.onnx'].bytes).toBe(modelBytes.byteLength);
    expect(manifest.modelVersion.slice(4)).toBe(manifest.files['model.onnx'].sha256.slice(0, 12));
  });

  it('should declare the pipeline inputs and the logits output when the model is decoded', async () => {
    const model = decodeModel(await readFile(join(dirA, 'model.onnx')));
    expect(model.ir_version).toBe(IR_VERSION);
    expect(model.opset_import).toEqual([{ domain: '', version: OPSET_VERSION }]);
    expect(model.graph.input.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'features']);
    expect(model.graph.output.map((o) => o.name)).toEqual(['logits']);
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    for (const op of ['Gather', 'LayerNormalization', 'Softmax', 'MatMul', 'Erf', 'ReduceSum', 'Concat']) expect(ops).toContain(op);
  });

  it('should skip the work when the folder already holds a current build', async () => {
    const again = await buildAssets({ outDir: dirA });
    expect(again.skipped).toBe(true);
    expect(again.manifest.modelVersion).toBe(first.manifest.modelVersion);
  });
});

describe('loadAssetsManifest', () => {
  it('should return paths and model facts when the folder was generated', async () => {
    const assets = await loadAssetsManifest(dirA);
    expect(assets).toMatchObject({
      dir: dirA, modelPath: join(dirA, 'model.onnx'), tokenizerDir: dirA,
      version: first.manifest.modelVersion, featureDim: FEATURE_DIM, maxSeqLen: MAX_SEQ_LEN, vocabSize: VOCAB_SIZE,
    });
  });

  it('should name manifest.json when the folder has no manifest', async () => {
    const empty = await mkdtemp(join(root, 'empty-'));
    await expect(loadAssetsManifest(empty)).rejects.toThrow(join(empty, 'manifest.json'));
  });

  it('should name the model file when the manifest points at a missing model', async () => {
    const dir = await mkdtemp(join(root, 'user-'));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({
      modelVersion: 'mine-1', labels: ['approve', 'reject'], featureDim: 4, maxSeqLen: 64, vocabSize: 100, model: 'mine.onnx',
    }));
    await expect(loadAssetsManifest(dir)).rejects.toThrow(join(dir, 'mine.onnx'));
  });

  it('should name the field when the manifest lacks a required one', async () => {
    const dir = await mkdtemp(join(root, 'bad-'));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ modelVersion: 'x', labels: ['approve'] }));
    await expect(loadAssetsManifest(dir)).rejects.toThrow(/manifest\.json is not a valid model manifest: maxSeqLen/);
  });
});

describe('ensureAssets', () => {
  it('should use a user folder as it is when its manifest was written by hand', async () => {
    const dir = await mkdtemp(join(root, 'own-'));
    for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(dirA, f), join(dir, f));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({
      modelVersion: 'my-model-7', labels: [...LABELS], featureDim: FEATURE_DIM, maxSeqLen: 128, vocabSize: VOCAB_SIZE,
    }));
    const assets = await ensureAssets(dir);
    expect(assets.version).toBe('my-model-7');
    expect(assets.maxSeqLen).toBe(128);
  });

  it('should never generate random weights into a folder other than the generated one', async () => {
    const dir = await mkdtemp(join(root, 'empty-'));
    await expect(ensureAssets(dir)).rejects.toThrow(/has no manifest\.json \(the folder is empty or absent\)/);
    await expect(ensureAssets(join(dir, 'mistyped'))).rejects.toThrow(/has no manifest\.json/);
  });

  it('should refuse to overwrite model files when a folder has no manifest', async () => {
    const dir = await mkdtemp(join(root, 'nomanifest-'));
    await copyFile(join(dirA, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    await expect(ensureAssets(dir)).rejects.toThrow(/tokenizer_config\.json but no manifest\.json/);
  });
});
