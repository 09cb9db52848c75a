/**
 * Bringing your own model: a Hugging Face BERT checkpoint (config.json,
 * model.safetensors, tokenizer.json) plus an intents file, built into an assets
 * folder, or an ONNX file plus tokenizer with its labels in a hand-written manifest.
 * Either is served through ASSETS_DIR by the real inference and post-processor
 * services, with its own label set; a folder that does not fit is refused at start-up
 * with an error naming the file at fault. Every model here is a tiny one written by
 * the test (no download).
 */
import type { Server } from 'node:http';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineConfig } from '../../target-pipeline/config.ts';
import { inferenceService, type InferenceComponents } from '../../target-pipeline/inference/compose.ts';
import { ensureAssets, loadAssetsManifest, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { buildPretrainedAssets } from '../../target-pipeline/model/pretrained/build.ts';
import { GENERATED_LABELS } from '../../target-pipeline/model/spec.ts';
import { postProcessorService } from '../../target-pipeline/post-processor/compose.ts';
import type { Telemetry } from '../../target-pipeline/telemetry/sdk.ts';
import { INTENTS, TINY, writeCheckpoint } from './helpers/tiny-bert.ts';
import { listen, postJson, tracing } from './helpers/tracing.ts';

const { tracer, meter } = tracing();
const telemetry: Telemetry = { tracer, meter, flush: async () => {}, shutdown: async () => {} };
/** What the gateway sends with every request: the feature store's 16 values for the user. */
const FEATURE_ROW = new Array(16).fill(0.25);
const INTENT_LABELS = INTENTS.intents.map((i) => i.label);

let root: string;
let generated: ModelAssets;
let checkpointDir: string;
/** The assets folder built from the checkpoint: model.onnx (no features input, logits of width 3). */
let builtDir: string;
const servers: Server[] = [];

function config(assetsDir: string) {
  return loadPipelineConfig({
    ASSETS_DIR: assetsDir, INFERENCE_WORKERS: '1', DEVICE_SLOTS: '1', EXECUTION_PROVIDERS: 'cpu', INTRA_OP_THREADS: '1',
  });
}

/** Composes the inference service on `dir` and closes it again; rejects as its start-up would. */
async function startInference(dir: string): Promise<void> {
  const c = await inferenceService.compose(config(dir), telemetry);
  await inferenceService.close?.(c);
}

/** A folder with the built model and tokenizer and a manifest written by hand (the ONNX path). */
async function onnxFolder(name: string, manifest: Record<string, unknown>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(builtDir, f), join(dir, f));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({
    modelVersion: `${name}-1`, labels: ['hi', 'bye', 'ty'], maxSeqLen: 32, vocabSize: TINY.vocab_size, ...manifest,
  }));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'byo-model-'));
  generated = await ensureAssets();
  // Only the three files the issue names: no tokenizer_config.json.
  checkpointDir = await writeCheckpoint(join(root, 'checkpoint'), generated.tokenizerDir, { tokenizerConfig: false });
  await writeFile(join(root, 'intents.json'), JSON.stringify(INTENTS));
  builtDir = join(root, 'built');
  await buildPretrainedAssets({ sourceDir: checkpointDir, outDir: builtDir, intentsFile: join(root, 'intents.json') });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await rm(root, { recursive: true, force: true });
});

describe('serving your own model', () => {
  let inference: InferenceComponents | undefined;

  afterAll(async () => {
    if (inference) await inferenceService.close?.(inference);
  });

  it('should answer with its intents end to end when ASSETS_DIR is the folder built from a checkpoint', async () => {
    // The pad token the pipeline needs came from tokenizer.json, since the checkpoint had no config.
    expect(JSON.parse(await readFile(join(builtDir, 'tokenizer_config.json'), 'utf8'))).toEqual({ pad_token: '[PAD]' });
    const cfg = config(builtDir);
    inference = await inferenceService.compose(cfg, telemetry);
    const inf = await listen(inferenceService.app(cfg, telemetry, inference));
    const pc = await postProcessorService.compose(cfg, telemetry);
    const pp = await listen(postProcessorService.app({ ...cfg, INFERENCE_PORT: Number(new URL(inf.url).port) }, telemetry, pc));
    servers.push(inf.server, pp.server);

    // The gateway's feature row is accepted (and not used: this model has no features input), as is none.
    for (const features of [FEATURE_ROW, []]) {
      const r = await postJson(`${inf.url}/infer`, { text: 'hello there', features });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const output = JSON.parse(r.json.output as string) as { label: string; top_k: { label: string }[] };
      expect(INTENT_LABELS).toContain(output.label);
      expect(output.top_k.every((k) => INTENT_LABELS.includes(k.label))).toBe(true);

      // The post-processor validates against the same labels, read from the same folder.
      const v = await postJson(`${pp.url}/postprocess`, { output: r.json.output, reinvoke: { text: 'hello there', features } });
      expect(v.status, JSON.stringify(v.json)).toBe(200);
      expect(v.json).toMatchObject({ attempts: 1, value: { label: output.label } });
    }
  });

  it('should serve an ONNX file with the labels of its hand-written manifest', async () => {
    const dir = await onnxFolder('own-onnx', {});
    const c = await postProcessorService.compose(config(dir), telemetry);
    expect(c.validator.labels).toEqual(['hi', 'bye', 'ty']);
    await expect(startInference(dir)).resolves.toBeUndefined();
  });
});

describe('a folder that cannot be served', () => {
  it('should say how to build a servable folder when ASSETS_DIR is the checkpoint itself', async () => {
    await expect(ensureAssets(checkpointDir)).rejects.toThrow(
      /holds a Hugging Face checkpoint \(config\.json, model\.safetensors\) but no manifest\.json.*make model-own SOURCE=/);
  });

  it('should name the manifest and the model when the label count is not the logits width', async () => {
    const dir = await onnxFolder('two-labels', { labels: ['hi', 'bye'] });
    await expect(startInference(dir)).rejects.toThrow(new RegExp(
      `${join(dir, 'manifest.json').replace(/[.]/g, '\\.')}.*model\\.onnx gives logits of width 3 but the manifest lists 2 labels`));
  });

  it('should name both files when the tokenizer does not have the manifest\'s vocabulary size', async () => {
    const dir = await onnxFolder('vocab', { vocabSize: 1000 });
    await expect(startInference(dir)).rejects.toThrow(/tokenizer\.json has 30522 tokens but .*manifest\.json says vocabSize 1000/);
  });

  it('should refuse a featureDim when the model has no features input', async () => {
    const dir = await onnxFolder('features', { featureDim: 16 });
    await expect(startInference(dir)).rejects.toThrow(/has no features input but the manifest's featureDim is 16; set it to 0/);
  });

  it('should name the width when the manifest\'s featureDim is not the model\'s features input', async () => {
    // The generated model takes features of width 16.
    const manifest = {
      labels: [...GENERATED_LABELS], maxSeqLen: 64, vocabSize: generated.vocabSize,
      model: generated.modelPath, tokenizerDir: generated.tokenizerDir,
    };
    const none = await onnxFolder('gen-none', { ...manifest, featureDim: 0 });
    await expect(startInference(none)).rejects.toThrow(/has a features input but the manifest's featureDim is 0/);
    const narrow = await onnxFolder('gen-narrow', { ...manifest, featureDim: 8 });
    await expect(startInference(narrow)).rejects.toThrow(/takes features of width 16 but the manifest's featureDim is 8/);
  });

  it('should name the label when the manifest lists one twice', async () => {
    const dir = await onnxFolder('twice', { labels: ['hi', 'bye', 'hi'] });
    await expect(loadAssetsManifest(dir)).rejects.toThrow(/manifest\.json is not a valid model manifest: labels: label hi appears twice/);
  });

  it('should name the tokenizer file when the ONNX folder has none', async () => {
    const dir = await onnxFolder('no-tokenizer', {});
    await rm(join(dir, 'tokenizer.json'));
    await expect(ensureAssets(dir)).rejects.toThrow(/is missing tokenizer\.json/);
  });
});
