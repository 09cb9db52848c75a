/**
 * Generates the model folder: model.onnx, tokenizer.json, tokenizer_config.json and
 * manifest.json, byte-identical on every run for the same generator version and seed.
 *
 *   node target-pipeline/model/build-assets.ts [--out DIR] [--force]
 *
 * Skips the work when DIR already holds a complete build by this generator version.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEncoderModel } from './encoder-graph.ts';
import {
  DEFAULT_MODEL_FILE, MANIFEST_FILE, ManifestSchema, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE,
  type AssetsManifest,
} from './manifest.ts';
import { encodeModel } from './onnx-proto.ts';
import {
  DEFAULT_HEADS, DEFAULT_HIDDEN, DEFAULT_LAYERS, DEFAULT_SEED, FEATURE_DIM, FFN_EXPANSION,
  GENERATED_LABELS, GENERATOR_VERSION, MAX_SEQ_LEN, VOCAB_SIZE, type EncoderArchitecture,
} from './spec.ts';
import { tokenizerConfig, tokenizerJson } from './tokenizer-files.ts';
import { buildVocabulary } from './vocab.ts';
import { GENERATED_ASSETS_DIR } from './asset-dirs.ts';


/** Length of the sha256 prefix in the model version: short, yet unique across builds. */
const VERSION_HASH_CHARS = 12;

export interface BuildOptions {
  outDir?: string;
  /** Rebuild even when the folder already holds a current build. */
  force?: boolean;
  seed?: number;
  architecture?: Partial<EncoderArchitecture>;
}

export interface BuiltFile { name: string; bytes: number }

export interface BuildResult {
  dir: string;
  skipped: boolean;
  manifest: AssetsManifest;
  files: BuiltFile[];
  ms: number;
}

export function defaultArchitecture(overrides: Partial<EncoderArchitecture> = {}): EncoderArchitecture {
  const hidden = overrides.hidden ?? DEFAULT_HIDDEN;
  return {
    hidden,
    heads: DEFAULT_HEADS,
    layers: DEFAULT_LAYERS,
    ffn: hidden * FFN_EXPANSION,
    maxPositions: MAX_SEQ_LEN,
    vocabSize: VOCAB_SIZE,
    featureDim: FEATURE_DIM,
    numLabels: GENERATED_LABELS.length,
    ...overrides,
  };
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Write-then-rename, so that a concurrent reader never sees half a file. */
async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The manifest of a complete, current build in `dir`, or undefined when it must be (re)built. */
async function currentBuild(dir: string, arch: EncoderArchitecture, seed: number): Promise<AssetsManifest | undefined> {
  let manifest: AssetsManifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
  } catch {
    return undefined;
  }
  const gen = manifest.generator;
  if (!gen || gen.version !== GENERATOR_VERSION || gen.seed !== seed) return undefined;
  if (JSON.stringify(gen.architecture) !== JSON.stringify(arch)) return undefined;
  for (const [name, record] of Object.entries(manifest.files ?? {})) {
    const size = await stat(join(dir, name)).then((s) => s.size, () => -1);
    if (size !== record.bytes) return undefined;
  }
  return manifest;
}

export async function buildAssets(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const dir = resolve(options.outDir ?? GENERATED_ASSETS_DIR);
  const seed = options.seed ?? DEFAULT_SEED;
  const arch = defaultArchitecture(options.architecture);

  if (!options.force) {
    const existing = await currentBuild(dir, arch, seed);
    if (existing) {
      const files = Object.entries(existing.files ?? {}).map(([name, r]) => ({ name, bytes: r.bytes }));
      return { dir, skipped: true, manifest: existing, files, ms: performance.now() - started };
    }
  }

  // Distinct seeds per asset so that changing one never shifts the other's stream.
  const vocab = buildVocabulary(arch.vocabSize, seed ^ 0x70c3);
  const modelBytes = encodeModel(buildEncoderModel(arch, seed, GENERATOR_VERSION));
  const contents: [string, Uint8Array | string][] = [
    [DEFAULT_MODEL_FILE, modelBytes],
    [TOKENIZER_FILE, JSON.stringify(tokenizerJson(vocab))],
    [TOKENIZER_CONFIG_FILE, `${JSON.stringify(tokenizerConfig(arch.maxPositions), null, 2)}\n`],
  ];

  const manifest: AssetsManifest = {
    modelVersion: `gen-${sha256(modelBytes).slice(0, VERSION_HASH_CHARS)}`,
    labels: [...GENERATED_LABELS],
    featureDim: arch.featureDim,
    maxSeqLen: arch.maxPositions,
    vocabSize: vocab.length,
    model: DEFAULT_MODEL_FILE,
    tokenizerDir: '.',
    files: Object.fromEntries(contents.map(([name, data]) => [
      name, { sha256: sha256(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength },
    ])),
    generator: { version: GENERATOR_VERSION, seed, architecture: { ...arch } },
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;

  await mkdir(dir, { recursive: true });
  for (const [name, data] of contents) await writeAtomic(join(dir, name), data);
  // Last, so a manifest only ever describes files that are already in place.
  await writeAtomic(join(dir, MANIFEST_FILE), manifestText);

  const files = [...contents.map(([name]) => ({ name, bytes: manifest.files?.[name]?.bytes ?? 0 })),
    { name: MANIFEST_FILE, bytes: Buffer.byteLength(manifestText) }];
  return { dir, skipped: false, manifest, files, ms: performance.now() - started };
}

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const result = await buildAssets({ outDir: values.out, force: values.force });
  const verb = result.skipped ? 'up to date, skipped' : 'wrote';
  console.log(`${verb}: ${result.dir} (model ${result.manifest.modelVersion}, ${result.ms.toFixed(0)} ms)`);
  for (const f of result.files) console.log(`  ${f.name.padEnd(24)} ${formatBytes(f.bytes).padStart(10)}`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`build-assets: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
