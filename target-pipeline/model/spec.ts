/**
 * Shape of the generated model: the numbers the generator bakes into model.onnx and
 * the tokenizer, and that the pipeline needs to feed it. A user-supplied model states
 * its own values in manifest.json; these are only the generator's defaults.
 */

/**
 * Labels of the generated model's classification head, in logit order. Only the
 * generator uses them; the pipeline takes a model's labels from its manifest.
 */
export const GENERATED_LABELS = [
  'approve', 'review', 'reject', 'escalate', 'defer', 'refund', 'upsell', 'retain',
] as const;

/** Width of the `features` input: one row of numeric features per request. */
export const FEATURE_DIM = 16;

/** Longest token sequence the position embedding covers; longer inputs are truncated. */
export const MAX_SEQ_LEN = 256;

/** BERT-base's vocabulary size, so that tokenizer load cost resembles a real tokenizer's. */
export const VOCAB_SIZE = 30522;

/** Transformer encoder dimensions of the generated model. */
export interface EncoderArchitecture {
  hidden: number;
  heads: number;
  layers: number;
  ffn: number;
  maxPositions: number;
  vocabSize: number;
  featureDim: number;
  numLabels: number;
}

export const DEFAULT_HIDDEN = 128;
export const DEFAULT_HEADS = 4;
export const DEFAULT_LAYERS = 4;
/** The usual 4x expansion of a transformer feed-forward block. */
export const FFN_EXPANSION = 4;

/** Seed of every random number in the generated assets: same seed, same bytes. */
export const DEFAULT_SEED = 0x5eed_2024;

/**
 * Bump whenever the generator's output changes (graph, weights, vocabulary, file
 * layout), so that folders built by an older generator are rebuilt instead of reused.
 */
export const GENERATOR_VERSION = '1';
