/**
 * Turning one row of logits into the output document the post-processor validates,
 * and that document into the JSON text that travels (and that corruption faults act on).
 */
import { TOP_K, type ModelOutput } from './output.ts';

/** Scores are rounded so that serialised outputs are short and stable across runs. */
const SCORE_DECIMALS = 4;
const SCORE_SCALE = 10 ** SCORE_DECIMALS;

function round(score: number): number {
  return Math.round(score * SCORE_SCALE) / SCORE_SCALE;
}

/**
 * Softmax over row `row` of a [batch, labels.length] logits array, then the argmax
 * label and the TOP_K best labels by score (ties keep logit order). `labels` maps
 * logit index to label: the served model's manifest labels.
 */
export function decodeOutput(
  logits: Float32Array,
  row: number,
  labels: readonly string[],
  tokens: number,
  modelVersion: string,
): ModelOutput {
  const numLabels = labels.length;
  if (numLabels < 1) throw new Error('decodeOutput needs at least one label');
  const start = row * numLabels;
  if (!Number.isInteger(row) || row < 0 || start + numLabels > logits.length) {
    throw new Error(`row ${row} is outside logits of length ${logits.length} with ${numLabels} labels`);
  }
  const values = Array.from(logits.subarray(start, start + numLabels));
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const ranked = exps
    .map((e, i) => ({ label: labels[i] as string, score: e / sum, index: i }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const best = ranked[0];
  if (!best || !Number.isFinite(best.score)) {
    throw new Error(`logits row ${row} is not finite: ${values.join(', ')}`);
  }
  return {
    label: best.label,
    score: round(best.score),
    top_k: ranked.slice(0, TOP_K).map((r) => ({ label: r.label, score: round(r.score) })),
    tokens,
    model_version: modelVersion,
  };
}

/** JSON text with a fixed key order, so equal outputs serialise to equal bytes. */
export function serializeOutput(o: ModelOutput): string {
  return JSON.stringify({
    label: o.label,
    score: o.score,
    top_k: o.top_k.map((k) => ({ label: k.label, score: k.score })),
    tokens: o.tokens,
    model_version: o.model_version,
  });
}
