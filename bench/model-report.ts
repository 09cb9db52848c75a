/**
 * The forward-pass bench's numbers from its samples, and its table. The serving overhead
 * is judged on the paired ratio: each served call's wall time over that same call's
 * session.run inside the worker (same tensors, same session, so only the serving path
 * differs), median over calls with a bootstrap interval. Served vs a second, raw session
 * on the main thread is kept beside it as an independent cross-check. Pure, so the report
 * can be checked without a model.
 */
import { bootstrapCI, bootstrapRatioCI, median } from '../assertions/stats.ts';

/**
 * Issue 13 item 8: "the serving overhead as a ratio, goal at most 1.10 at batch 8",
 * judged on the paired ratio (served wall / in-worker session.run, call by call).
 */
export const OVERHEAD_GOAL = { batch: 8, maxRatio: 1.1 } as const;

const MS_PER_S = 1000;

/** One shape's timings, each list in the order it was measured, warm-up runs already left out. */
export interface ShapeSamples {
  batch: number;
  seq: number;
  /** InferencePool.run as its caller sees it. */
  servedMs: number[];
  /** session.run on this thread, on a second session with the worker's options, on the same tensors. */
  rawMs: number[];
  /** The worker's own forwardPassMs (session.run inside the worker) for each served run, index by index. */
  inWorkerMs: number[];
}

export interface ForwardRow {
  batch: number;
  seq: number;
  /** Runs per side that count. */
  runs: number;
  served_ms: number;
  in_worker_ms: number;
  /**
   * Median over served runs of (caller's wall time - the worker's session.run): what the
   * serving path adds around the forward pass, paired run by run, so the load that
   * stretches session.run itself drops out.
   */
  hop_ms: number;
  /**
   * Median over served runs of (caller's wall time / the worker's session.run of that
   * run), and its bootstrap interval over the per-run ratios. The goal is judged on this.
   */
  paired_ratio: number;
  paired_low: number;
  paired_high: number;
  /** Cross-check: session.run of the main thread's own session. */
  raw_ms: number;
  /**
   * Cross-check: served_ms / raw_ms, a ratio of medians of two sessions' independent
   * samples, and its bootstrap interval; it carries session-to-session noise.
   */
  raw_ratio: number;
  raw_ratio_low: number;
  raw_ratio_high: number;
  ci_level: number;
  /** batch * seq tokens through the served path per second, at its median. */
  tokens_per_s: number;
}

export interface ModelForward {
  model: string;
  version: string;
  modelPath: string;
  featureDim: number;
  provider: string;
  wall_s: number;
  rows: ForwardRow[];
}

export function summarise(s: ShapeSamples): ForwardRow {
  if (s.inWorkerMs.length !== s.servedMs.length) {
    throw new RangeError(`${s.batch}x${s.seq}: ${s.servedMs.length} served runs but ${s.inWorkerMs.length} in-worker timings; they must pair up`);
  }
  const paired = bootstrapCI(s.servedMs.map((x, i) => x / s.inWorkerMs[i]!), median);
  const cross = bootstrapRatioCI(s.servedMs, s.rawMs, median);
  const served = median(s.servedMs);
  return {
    batch: s.batch, seq: s.seq, runs: Math.min(s.servedMs.length, s.rawMs.length),
    served_ms: served, in_worker_ms: median(s.inWorkerMs),
    hop_ms: median(s.servedMs.map((x, i) => x - s.inWorkerMs[i]!)),
    paired_ratio: paired.estimate, paired_low: paired.low, paired_high: paired.high,
    raw_ms: median(s.rawMs), raw_ratio: cross.ratio, raw_ratio_low: cross.low, raw_ratio_high: cross.high,
    ci_level: paired.level,
    tokens_per_s: (s.batch * s.seq) / (served / MS_PER_S),
  };
}

export type GoalVerdict = 'met' | 'not met' | `not established (interval spans ${string})`;

/**
 * On the paired ratio's interval: met when its upper end is at most the goal, not met
 * when its lower end is above it, not established when it spans the goal.
 */
export function meetsGoal(row: ForwardRow): GoalVerdict {
  if (row.paired_high <= OVERHEAD_GOAL.maxRatio) return 'met';
  if (row.paired_low > OVERHEAD_GOAL.maxRatio) return 'not met';
  return `not established (interval spans ${OVERHEAD_GOAL.maxRatio.toFixed(2)})`;
}

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const withCI = (x: number, low: number, high: number) => `${f(x, 3)} [${f(low, 3)}, ${f(high, 3)}]`;

export function forwardTable(models: readonly ModelForward[]): string[] {
  const level = models[0]?.rows[0]?.ci_level;
  const pct = level === undefined ? '' : `${Math.round(level * 100)} % `;
  const goal = OVERHEAD_GOAL.maxRatio.toFixed(2);
  const goalRows = models.flatMap((m) => m.rows.filter((r) => r.batch === OVERHEAD_GOAL.batch).map((r) => ({ m, r })));
  return [
    `Served: \`InferencePool.run\` as its caller sees it (one worker, one onnxruntime thread: postMessage, buffer transfer, ` +
    `session.run in the worker, logits back). In worker: the worker's own timing of that call's session.run; hop: served - in worker, ` +
    `run by run (the thread round trip, without the forward pass). Served / in worker: the median over runs of each run's ` +
    `served time over its own in-worker session.run (same tensors, same session: only the serving path differs), ` +
    `${pct}percentile-bootstrap interval over the per-run ratios (seeded). Raw (cross-check): \`session.run\` on this thread, ` +
    `on a second session with the worker's options, on the same tensors; sides alternate run by run (served, raw, raw, served, ...), ` +
    `and served / raw is the ratio of the two medians, ${pct}bootstrap interval with each side resampled on its own. ` +
    `The first run of each shape per side is left out.`,
    '',
    '| model | batch | seq | runs/side | served ms | in worker ms | hop ms | served / in worker [CI] | tokens/s | raw ms (cross-check) | served / raw [CI] (cross-check) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...models.flatMap((m) => m.rows.map((r) =>
      `| ${m.model} | ${r.batch} | ${r.seq} | ${r.runs} | ${f(r.served_ms, 2)} | ${f(r.in_worker_ms, 2)} | ${f(r.hop_ms, 2)} | ` +
      `${withCI(r.paired_ratio, r.paired_low, r.paired_high)} | ${f(r.tokens_per_s, 0)} | ${f(r.raw_ms, 2)} | ` +
      `${withCI(r.raw_ratio, r.raw_ratio_low, r.raw_ratio_high)} |`)),
    '',
    `Cross-check only: served / raw compares two different sessions, so it includes session-to-session noise (two identical sessions differ by several per cent); the goal is not judged on it.`,
    '',
    `Goal: served / in worker (paired) <= ${goal} at batch ${OVERHEAD_GOAL.batch}: met when the interval's upper end is at most ${goal}, ` +
    `not met when its lower end is above ${goal}, not established when the interval spans ${goal}.`,
    '',
    `| model | seq | served / in worker [CI] | goal |`, '|---|---|---|---|',
    ...goalRows.map(({ m, r }) => `| ${m.model} | ${r.seq} | ${withCI(r.paired_ratio, r.paired_low, r.paired_high)} | ${meetsGoal(r)} |`),
    '',
    ...models.map((m) => `${m.model}: model ${m.version} (${m.modelPath}), features input ${m.featureDim > 0 ? `of width ${m.featureDim}` : 'none'}, ` +
      `provider ${m.provider}, ${f(m.wall_s, 1)} s for its shapes.`),
  ];
}
