/**
 * What does serving add to a forward pass? The model behind InferencePool.run, timed as
 * its caller sees it, beside the worker's own timing of that call's session.run (the
 * paired ratio the goal is judged on), and beside onnxruntime's session.run called on
 * this thread on the same tensors (a cross-check), by batch size and sequence length:
 * the pretrained model the pipeline serves, then the generated one. `make bench-model` runs
 * this part alone and prints the table; `make bench` runs it through bench/micro.ts.
 */
import ort from 'onnxruntime-node';
import { parseCli } from '../stack/cli-args.ts';
import { InferencePool, type InferenceBatch } from '../target-pipeline/inference/engine/pool.ts';
import { ModelIO } from '../target-pipeline/inference/engine/protocol.ts';
import { ensureAssets, type ModelAssets } from '../target-pipeline/model/assets.ts';
import { PRETRAINED_ASSETS_DIR } from '../target-pipeline/model/asset-dirs.ts';
import { loadPretrainedAssets } from '../target-pipeline/model/pretrained/build.ts';
import { loadTokenizer, type Tokenizer } from '../target-pipeline/model/tokenizer.ts';
import { WORDS } from '../target-pipeline/model/words.ts';
import { forwardTable, summarise, type ForwardRow, type ModelForward, type ShapeSamples } from './model-report.ts';

export const BATCHES = [1, 8, 32];
export const SEQ_LENS = [16, 32, 64, 128];

export interface Shape {
  batch: number;
  seq: number;
}

/** Every (batch, seq) pair, batch by batch. */
export function shapeGrid(batches: readonly number[], seqLens: readonly number[]): Shape[] {
  return batches.flatMap((batch) => seqLens.map((seq) => ({ batch, seq })));
}

export const ALL_SHAPES: readonly Shape[] = shapeGrid(BATCHES, SEQ_LENS);
/** The shape the pretrained model leaves out (see PRETRAINED_SHAPES). */
export const PRETRAINED_SKIPPED: Shape = { batch: 32, seq: 128 };
/**
 * The pretrained model's shapes: all but 32x128, which alone takes ~20 s (a forward
 * pass of 4096 tokens is over a second on one thread, and the shape runs MIN_RUNS pairs
 * plus the warm-up pair, both sides), so with it the model part would not stay under
 * ~70 s on a 2-core machine. The generated model, about ten times cheaper, keeps it, and the
 * goal's batch-8 shapes are all still there.
 */
export const PRETRAINED_SHAPES: readonly Shape[] = ALL_SHAPES.filter(
  (s) => !(s.batch === PRETRAINED_SKIPPED.batch && s.seq === PRETRAINED_SKIPPED.seq));
/**
 * Wall time one shape may take, both sides together, warm-up aside. Shapes whose pair
 * of runs costs more than SHAPE_BUDGET_MS / MIN_RUNS (the pretrained model's largest)
 * go over it, to MIN_RUNS pairs.
 */
export const SHAPE_BUDGET_MS = 2500;
/**
 * Fewest counted runs per side: below this a bootstrap interval of a median is too
 * coarse to read; above it the pretrained model's largest shapes would take the model
 * part past its ~70 s.
 */
export const MIN_RUNS = 5;
/** Most counted runs per side, for shapes so quick that the budget would allow hundreds. */
export const MAX_RUNS = 30;

/** One onnxruntime thread on each side, so the ratio compares the paths, not the thread counts. */
const INTRA_OP_THREADS = 1;
/** onnxruntime log level 3 = errors only, as in the worker. */
const ORT_LOG_LEVEL_ERROR = 3;
/**
 * The options target-pipeline/inference/engine/worker.ts creates its session with
 * (createSession), for cpu; that file cannot be imported outside a worker thread, so
 * they are restated here and test/unit/bench-model.test.ts holds the two together.
 */
export const RAW_SESSION_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: INTRA_OP_THREADS,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  logSeverityLevel: ORT_LOG_LEVEL_ERROR,
} as const satisfies ort.InferenceSession.SessionOptions;

export interface BenchModel {
  name: string;
  /** The (batch, seq) shapes it is measured at, in order. */
  shapes: readonly Shape[];
  load(): Promise<ModelAssets>;
}

/** The pretrained model's folder, read with its own manifest's checks (loadPretrainedAssets), naming `make model-pretrained` when it is not built. */
export function pretrainedModel(dir: string = PRETRAINED_ASSETS_DIR): BenchModel {
  return {
    name: 'pretrained',
    shapes: PRETRAINED_SHAPES,
    load: () => loadPretrainedAssets(dir).catch((err: unknown) => {
      throw new Error(`the forward-pass bench needs the pretrained model; run \`make model-pretrained\` (${(err as Error).message})`);
    }),
  };
}

export const BENCH_MODELS: readonly BenchModel[] = [pretrainedModel(), { name: 'generated', shapes: ALL_SHAPES, load: () => ensureAssets() }];

/**
 * Word-piece ids of real English words in the model's own vocabulary, special tokens
 * left out, to be tiled over a batch: what a tokenized request carries, without the
 * [CLS]/[SEP] framing, which costs the graph nothing different.
 */
export function wordPieceIds(tokenizer: Tokenizer): number[] {
  const special = new Set([...tokenizer.get_added_tokens_decoder()].filter(([, t]) => t.special).map(([id]) => id));
  const pieces: number[] = tokenizer.encode(WORDS.join(' '), { add_special_tokens: false }).ids;
  const ids = pieces.filter((id) => !special.has(id));
  if (ids.length === 0) throw new Error('the tokenizer gave no ordinary word pieces for the word list');
  return ids;
}

/** A full batch: each row a different window of the id stream, every position attended, features zero. */
export function benchBatch(ids: readonly number[], batchSize: number, seqLen: number, featureDim: number): InferenceBatch {
  return {
    inputIds: BigInt64Array.from({ length: batchSize * seqLen }, (_, i) => BigInt(ids[i % ids.length]!)),
    attentionMask: new BigInt64Array(batchSize * seqLen).fill(1n),
    features: new Float32Array(batchSize * featureDim),
    batchSize,
    seqLen,
  };
}

/** Counted runs per side for a shape whose served + raw pair took `pairMs` once. */
export function runsFor(pairMs: number): number {
  return Math.min(MAX_RUNS, Math.max(MIN_RUNS, Math.floor(SHAPE_BUDGET_MS / Math.max(pairMs, Number.EPSILON))));
}

/** Which side goes first in round r: served, raw | raw, served | served, raw ... */
export function servedFirst(round: number): boolean {
  return round % 2 === 0;
}

function outputName(session: ort.InferenceSession): string {
  // The worker reads logits, or else the first output; the raw side fetches the same one.
  const name = session.outputNames.includes(ModelIO.logits) ? ModelIO.logits : session.outputNames[0];
  if (name === undefined) throw new Error('the model has no outputs');
  return name;
}

function feedsOf(batch: InferenceBatch, featureDim: number): Record<string, ort.Tensor> {
  const dims = [batch.batchSize, batch.seqLen];
  const feeds: Record<string, ort.Tensor> = {
    [ModelIO.inputIds]: new ort.Tensor('int64', batch.inputIds, dims),
    [ModelIO.attentionMask]: new ort.Tensor('int64', batch.attentionMask, dims),
  };
  if (featureDim > 0) feeds[ModelIO.features] = new ort.Tensor('float32', batch.features, [batch.batchSize, featureDim]);
  return feeds;
}

/** The pool transfers (detaches) a batch's buffers, so each served run gets its own copy, made before the clock starts. */
function copyOf(batch: InferenceBatch): InferenceBatch {
  return { ...batch, inputIds: batch.inputIds.slice(), attentionMask: batch.attentionMask.slice(), features: batch.features.slice() };
}

interface Sides {
  served(batch: InferenceBatch): Promise<{ ms: number; inWorkerMs: number; logits: Float32Array }>;
  raw(feeds: Record<string, ort.Tensor>): Promise<{ ms: number; logits: Float32Array }>;
}

async function measureShape(sides: Sides, ids: readonly number[], batch: number, seq: number, featureDim: number): Promise<ShapeSamples> {
  const input = benchBatch(ids, batch, seq, featureDim);
  const feeds = feedsOf(input, featureDim);
  // The first run of each side pays allocation (onnxruntime sizes its buffers to the shape) and is left out.
  const warmServed = await sides.served(copyOf(input));
  const warmRaw = await sides.raw(feeds);
  const differ = warmServed.logits.findIndex((x, i) => x !== warmRaw.logits[i]);
  if (differ >= 0 || warmServed.logits.length !== warmRaw.logits.length) {
    throw new Error(`at ${batch}x${seq} the served and raw logits differ (index ${differ}: ${warmServed.logits[differ]} vs ` +
      `${warmRaw.logits[differ]}), so the two sides are not running the same computation`);
  }
  const samples: ShapeSamples = { batch, seq, servedMs: [], rawMs: [], inWorkerMs: [] };
  const runs = runsFor(warmServed.ms + warmRaw.ms);
  for (let r = 0; r < runs; r++) {
    for (const side of servedFirst(r) ? ['served', 'raw'] as const : ['raw', 'served'] as const) {
      if (side === 'served') {
        const out = await sides.served(copyOf(input));
        samples.servedMs.push(out.ms);
        samples.inWorkerMs.push(out.inWorkerMs);
      } else {
        samples.rawMs.push((await sides.raw(feeds)).ms);
      }
    }
  }
  return samples;
}

export interface ModelForwardOptions {
  name: string;
  assets: ModelAssets;
  /** The shapes to measure, in order; every batch x seq by default. */
  shapes?: readonly Shape[];
}

/** Served vs in-worker vs raw forward pass of one model at each of its shapes, every side on the same tensors. */
export async function modelForwardBench(opts: ModelForwardOptions): Promise<ModelForward> {
  const { assets, shapes = ALL_SHAPES } = opts;
  const tooLong = [...new Set(shapes.map((s) => s.seq).filter((s) => s > assets.maxSeqLen))];
  if (tooLong.length > 0) throw new Error(`model ${opts.name} takes at most ${assets.maxSeqLen} tokens; the bench asks for ${tooLong.join(', ')}`);
  const started = performance.now();
  const ids = wordPieceIds((await loadTokenizer(assets.tokenizerDir)).tokenizer);
  const session = await ort.InferenceSession.create(assets.modelPath, { ...RAW_SESSION_OPTIONS, executionProviders: [...RAW_SESSION_OPTIONS.executionProviders] });
  const pool = await InferencePool.create({
    modelPath: assets.modelPath, workers: 1, providers: ['cpu'], featureDim: assets.featureDim,
    numLabels: assets.labels.length, intraOpThreads: INTRA_OP_THREADS,
  });
  const name = outputName(session);
  const sides: Sides = {
    async served(batch) {
      const t = performance.now();
      const out = await pool.run(batch);
      return { ms: performance.now() - t, inWorkerMs: out.forwardPassMs, logits: out.logits };
    },
    async raw(feeds) {
      const t = performance.now();
      const out = await session.run(feeds, [name]);
      const ms = performance.now() - t;
      return { ms, logits: out[name]!.data as Float32Array };
    },
  };
  const rows: ForwardRow[] = [];
  try {
    for (const { batch, seq } of shapes) rows.push(summarise(await measureShape(sides, ids, batch, seq, assets.featureDim)));
  } finally {
    await pool.close();
    await session.release();
  }
  return {
    model: opts.name, version: assets.version, modelPath: assets.modelPath, featureDim: assets.featureDim,
    provider: pool.provider, wall_s: (performance.now() - started) / 1000, rows,
  };
}

/** Every bench model in turn (one at a time, so they do not share the cores). */
export async function servedModelsForward(models: readonly BenchModel[] = BENCH_MODELS): Promise<ModelForward[]> {
  const out: ModelForward[] = [];
  for (const m of models) out.push(await modelForwardBench({ name: m.name, assets: await m.load(), shapes: m.shapes }));
  return out;
}

const USAGE = `usage: make bench-model (node bench/model.ts with the pinned Node)

The forward-pass part of make bench alone: served (InferencePool.run) over the worker's
own session.run of each call (the goal), and vs raw session.run on this thread on the
same tensors (a cross-check), batch ${BATCHES.join(', ')} x seq ${SEQ_LENS.join(', ')}, for the ${BENCH_MODELS.map((m) => m.name).join(' and ')} models
(the pretrained one without ${PRETRAINED_SKIPPED.batch}x${PRETRAINED_SKIPPED.seq}).
Prints the table; needs \`make model-pretrained\` first. Exit code 2 when it failed.`;

if (import.meta.main) {
  parseCli({ name: 'bench-model', usage: USAGE, options: {} });
  try {
    console.log(forwardTable(await servedModelsForward()).join('\n'));
  } catch (err) {
    console.error(`bench-model: ${(err as Error).message}`);
    process.exit(2);
  }
}
