/**
 * The forward-pass bench (bench/model.ts, bench/model-report.ts): its inputs are real
 * word pieces in the right shape, its raw session is the worker's, its schedule
 * alternates and stays in budget, each model gets its own shapes, and its report
 * computes the paired ratio call by call, judges the goal on that ratio's interval and
 * keeps served / raw as a labelled cross-check. One small end-to-end run on the
 * generated model; no timing is asserted beyond what holds by construction.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SHAPES, BATCHES, BENCH_MODELS, benchBatch, MAX_RUNS, MIN_RUNS, modelForwardBench, PRETRAINED_SHAPES, PRETRAINED_SKIPPED,
  pretrainedModel, RAW_SESSION_OPTIONS, runsFor, SEQ_LENS, servedFirst, shapeGrid, SHAPE_BUDGET_MS, wordPieceIds,
} from '../../bench/model.ts';
import { forwardTable, meetsGoal, OVERHEAD_GOAL, summarise, type ForwardRow } from '../../bench/model-report.ts';
import { ensureAssets, type ModelAssets } from '../../target-pipeline/model/assets.ts';
import { loadTokenizer, type Tokenizer } from '../../target-pipeline/model/tokenizer.ts';
import { SPECIAL_TOKENS } from '../../target-pipeline/model/vocab.ts';

const WORKER_SOURCE = new URL('../../target-pipeline/inference/engine/worker.ts', import.meta.url);

let assets: ModelAssets;
let tokenizer: Tokenizer;

beforeAll(async () => {
  assets = await ensureAssets();
  tokenizer = (await loadTokenizer(assets.tokenizerDir)).tokenizer;
});

describe('bench inputs', () => {
  it('should give only ordinary word pieces, no special tokens, inside the vocabulary', () => {
    const ids = wordPieceIds(tokenizer);
    expect(ids.length).toBeGreaterThan(0);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(SPECIAL_TOKENS.length);
    expect(Math.max(...ids)).toBeLessThan(assets.vocabSize);
  });

  it('should fill every position, attend to all of them and zero the features when it builds a batch', () => {
    const ids = wordPieceIds(tokenizer);
    const b = benchBatch(ids, 3, 16, 4);
    expect(b.inputIds).toHaveLength(48);
    expect([...b.attentionMask].every((m) => m === 1n)).toBe(true);
    expect(b.features).toEqual(new Float32Array(12));
    expect(b.inputIds.slice(0, 16)).not.toEqual(b.inputIds.slice(16, 32));
    expect(benchBatch(ids, 2, 8, 0).features).toHaveLength(0);
  });
});

describe('bench schedule', () => {
  it('should alternate which side goes first, round by round', () => {
    expect([0, 1, 2, 3].map(servedFirst)).toEqual([true, false, true, false]);
  });

  it('should share the shape budget out between runs and clamp it to the fewest and most runs', () => {
    expect(runsFor(SHAPE_BUDGET_MS / 10)).toBe(10);
    expect(runsFor(SHAPE_BUDGET_MS * 10)).toBe(MIN_RUNS);
    expect(runsFor(0)).toBe(MAX_RUNS);
  });

  it('should run the slowest shapes five times per side, no more', () => {
    expect(MIN_RUNS).toBe(5);
    expect(runsFor(SHAPE_BUDGET_MS)).toBe(5);
  });

  it('should build the full batch x seq grid, batch by batch', () => {
    expect(shapeGrid([1, 8], [16, 32])).toEqual([{ batch: 1, seq: 16 }, { batch: 1, seq: 32 }, { batch: 8, seq: 16 }, { batch: 8, seq: 32 }]);
    expect(ALL_SHAPES).toHaveLength(BATCHES.length * SEQ_LENS.length);
  });

  it('should leave only 32x128 out for the pretrained model and keep every shape for the generated one', () => {
    const key = (s: { batch: number; seq: number }) => `${s.batch}x${s.seq}`;
    expect(key(PRETRAINED_SKIPPED)).toBe('32x128');
    expect(PRETRAINED_SHAPES.map(key)).toEqual(ALL_SHAPES.map(key).filter((k) => k !== '32x128'));
    const [pretrained, generated] = BENCH_MODELS;
    expect(pretrained!.name).toBe('pretrained');
    expect(pretrained!.shapes).toBe(PRETRAINED_SHAPES);
    expect(pretrainedModel('/nowhere').shapes).toBe(PRETRAINED_SHAPES);
    expect(generated!.name).toBe('generated');
    expect(generated!.shapes.map(key)).toEqual(ALL_SHAPES.map(key));
    // The goal is judged at batch 8: every sequence length of it is still measured on both models.
    for (const m of BENCH_MODELS) {
      expect(m.shapes.filter((s) => s.batch === OVERHEAD_GOAL.batch).map((s) => s.seq)).toEqual(SEQ_LENS);
    }
  });

  it('should create its raw session with the options the inference worker uses', async () => {
    const source = await readFile(WORKER_SOURCE, 'utf8');
    const create = source.slice(source.indexOf('InferenceSession.create('), source.indexOf('return { session, provider, failures }'));
    expect(create).toContain(`graphOptimizationLevel: '${RAW_SESSION_OPTIONS.graphOptimizationLevel}'`);
    expect(create).toContain(`interOpNumThreads: ${RAW_SESSION_OPTIONS.interOpNumThreads},`);
    expect(create).toContain('intraOpNumThreads: init.intraOpThreads,');
    expect(create).toContain('logSeverityLevel: ORT_LOG_LEVEL_ERROR,');
    expect(source).toContain(`const ORT_LOG_LEVEL_ERROR = ${RAW_SESSION_OPTIONS.logSeverityLevel};`);
    // Anything else set there would have to be set here too.
    const keys = [...create.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]).sort();
    expect(keys).toEqual(Object.keys(RAW_SESSION_OPTIONS).sort());
  });
});

describe('bench report', () => {
  /** A batch-8 row whose paired interval is [low, high] around `paired`; the cross-check far off the goal either way. */
  const row = (paired: number, low: number, high: number, rawRatio = 1.5): ForwardRow => ({
    batch: OVERHEAD_GOAL.batch, seq: 16, runs: 6, served_ms: 1, in_worker_ms: 1, hop_ms: 0,
    paired_ratio: paired, paired_low: low, paired_high: high,
    raw_ms: 1, raw_ratio: rawRatio, raw_ratio_low: rawRatio - 0.2, raw_ratio_high: rawRatio + 0.2,
    ci_level: 0.95, tokens_per_s: 1,
  });

  it('should give medians, the paired ratio call by call, the cross-check ratio and tokens per second', () => {
    // Per-call ratios 2/1, 3/3, 4/2 = 2, 1, 2: median 2, where the ratio of medians would be 3/2.
    // Resamples of three from {2, 1, 2} have median 1 with probability 7/27, else 2: interval [1, 2].
    const r = summarise({ batch: 8, seq: 16, servedMs: [2, 3, 4], rawMs: [1, 1.5, 2], inWorkerMs: [1, 3, 2] });
    expect(r).toMatchObject({ runs: 3, served_ms: 3, in_worker_ms: 2, paired_ratio: 2, paired_low: 1, paired_high: 2, ci_level: 0.95 });
    // The cross-check: served median over raw median, 3 / 1.5.
    expect(r).toMatchObject({ raw_ms: 1.5, raw_ratio: 2 });
    expect(r.raw_ratio_low).toBeLessThanOrEqual(2);
    expect(r.raw_ratio_high).toBeGreaterThanOrEqual(2);
    // Paired differences 1, 0, 2: their median, not a difference of medians.
    expect(r.hop_ms).toBe(1);
    expect(r.tokens_per_s).toBe((8 * 16) / 0.003);
  });

  it('should centre the paired ratio on the per-call ratios even when the raw session is much slower', () => {
    const r = summarise({ batch: 8, seq: 16, servedMs: [2.2, 4.4, 3.3, 5.5], rawMs: [9, 9, 9, 9], inWorkerMs: [2, 4, 3, 5] });
    expect(r.paired_ratio).toBeCloseTo(1.1, 12);
    expect(r.paired_low).toBeCloseTo(1.1, 12);
    expect(r.paired_high).toBeCloseTo(1.1, 12);
    expect(r.raw_ratio).toBeCloseTo(3.85 / 9, 12);
  });

  it('should refuse served runs and in-worker timings that do not pair up', () => {
    expect(() => summarise({ batch: 8, seq: 16, servedMs: [2, 3], rawMs: [1, 1], inWorkerMs: [1] })).toThrow(/pair up/);
  });

  it('should judge the goal on the paired interval: met, not met, or not established when it spans 1.10', () => {
    expect(meetsGoal(row(1.05, 1.02, 1.08))).toBe('met');
    expect(meetsGoal(row(1.08, 1.05, OVERHEAD_GOAL.maxRatio))).toBe('met');
    expect(meetsGoal(row(1.2, 1.15, 1.3))).toBe('not met');
    expect(meetsGoal(row(1.08, 1.05, 1.12))).toBe('not established (interval spans 1.10)');
    expect(meetsGoal(row(1.12, 1.08, 1.15))).toBe('not established (interval spans 1.10)');
    // The cross-check does not enter the verdict, whichever side of the goal it falls.
    expect(meetsGoal(row(1.05, 1.02, 1.08, 1.3))).toBe('met');
    expect(meetsGoal(row(1.2, 1.15, 1.3, 1.0))).toBe('not met');
  });

  it('should print one row per shape, the cross-check labelled with its note under the table, and a verdict per batch-8 row', () => {
    const rows = [{ ...row(1.05, 1.02, 1.08), batch: 1 }, row(1.2, 1.15, 1.3, 1.04)];
    const lines = forwardTable([{ model: 'm', version: 'v', modelPath: 'p', featureDim: 0, provider: 'cpu', wall_s: 1, rows }]);
    const header = lines.find((l) => l.startsWith('| model | batch |'))!;
    expect(header).toContain('| served / in worker [CI] |');
    expect(header).toContain('| raw ms (cross-check) | served / raw [CI] (cross-check) |');
    const shapeRows = lines.filter((l) => l.startsWith('| m | 8 |') || l.startsWith('| m | 1 |'));
    expect(shapeRows).toHaveLength(2);
    expect(shapeRows[1]).toBe('| m | 8 | 16 | 6 | 1.00 | 1.00 | 0.00 | 1.200 [1.150, 1.300] | 1 | 1.00 | 1.040 [0.840, 1.240] |');
    // The line right after the table says the cross-check carries session-to-session noise.
    const last = lines.indexOf(shapeRows[1]!);
    expect(lines[last + 1]).toBe('');
    expect(lines[last + 2]).toMatch(/^Cross-check only: served \/ raw .*session-to-session noise/);
    expect(lines.some((l) => l.startsWith('Goal: served / in worker (paired) <= 1.10 at batch 8'))).toBe(true);
    // Batch-8 rows only, judged on the paired interval though the cross-check is under 1.10.
    expect(lines.filter((l) => / \| (met|not met|not established \(interval spans 1\.10\)) \|$/.test(l))).toEqual([
      '| m | 16 | 1.200 [1.150, 1.300] | not met |',
    ]);
  });
});

describe('modelForwardBench', () => {
  it('should measure both sides of one shape on the generated model, on the same tensors', async () => {
    const r = await modelForwardBench({ name: 'generated', assets, shapes: [{ batch: 2, seq: 16 }, { batch: 1, seq: 32 }] });
    expect(r.provider).toBe('cpu');
    expect(r.rows.map((x) => [x.batch, x.seq])).toEqual([[2, 16], [1, 32]]);
    const [row] = r.rows;
    expect(row!.runs).toBeGreaterThanOrEqual(MIN_RUNS);
    for (const v of [row!.served_ms, row!.raw_ms, row!.in_worker_ms, row!.paired_ratio, row!.raw_ratio, row!.raw_ratio_high, row!.tokens_per_s]) {
      expect(v).toBeGreaterThan(0);
      expect(Number.isFinite(v)).toBe(true);
    }
    // The caller's wall time holds the worker's session.run, call by call: every per-call
    // ratio is above 1, so the whole interval is.
    expect(row!.hop_ms).toBeGreaterThan(0);
    expect(row!.paired_low).toBeGreaterThan(1);
    expect(row!.paired_low).toBeLessThanOrEqual(row!.paired_ratio);
    expect(row!.paired_ratio).toBeLessThanOrEqual(row!.paired_high);
    expect(Number.isFinite(row!.paired_high)).toBe(true);
  });

  it('should refuse a sequence length past what the model takes', async () => {
    await expect(modelForwardBench({ name: 'generated', assets, shapes: [{ batch: 1, seq: assets.maxSeqLen + 1 }] }))
      .rejects.toThrow(`takes at most ${assets.maxSeqLen} tokens`);
  });

  it('should say to run make model-pretrained when the pretrained folder is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-model-'));
    try {
      await expect(pretrainedModel(dir).load()).rejects.toThrow('make model-pretrained');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
