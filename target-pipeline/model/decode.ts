/**
 * Turning one row of logits into the output document the post-processor validates,
 * and that document into the JSON text that travels (and that corruption faults act on).
 */
import { LABELS, TOP_K, type Label, type ModelOutput } from './output.ts';

/** Scores are rounded so that serialised outputs are short and stable across runs. */
const SCORE_DECIMALS = 4;
const SCORE_SCALE = 10 ** SCORE_DECIMALS;

function round(score: number): number {
  return Math.round(score * SCORE_SCALE) / SCORE_SCALE;
}

/**
 * Softmax over row `row` of a [batch, numLabels] logits array, then the argmax label
 * and the TOP_K best labels by score (ties keep logit order). `labels` maps logit
 * index to label and defaults to the generated model's LABELS.
 */
export function decodeOutput(
  logits: Float32Array,
  row: number,
  numLabels: number,
  tokens: number,
  modelVersion: string,
  labels: readonly Label[] = LABELS,
): ModelOutput {
  if (numLabels < 1 || numLabels > labels.length) {
    throw new Error(`numLabels ${numLabels} does not match the ${labels.length} known labels`);
  }
  const start = row * numLabels;
  if (!Number.isInteger(row) || row < 0 || start + numLabels > logits.length) {
    throw new Error(`row ${row} is outside logits of length ${logits.length} with ${numLabels} labels`);
  }
  const values = Array.from(logits.subarray(start, start + numLabels));
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const ranked = exps
    .map((e, i) => ({ label: labels[i] as Label, score: e / sum, index: i }))
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
