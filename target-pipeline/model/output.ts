/**
 * The document the model's logits are decoded into, and the JSON Schema the
 * post-processor validates it against. Decoder and validator share this one
 * definition so that "valid" means the same thing on both sides.
 */

/** Labels of the generated model's classification head, in logit order. */
export const LABELS = [
  'approve', 'review', 'reject', 'escalate', 'defer', 'refund', 'upsell', 'retain',
] as const;
export type Label = (typeof LABELS)[number];

export const TOP_K = 3;

export interface ModelOutput {
  label: Label;
  score: number;
  top_k: { label: Label; score: number }[];
  tokens: number;
  model_version: string;
}

export const OUTPUT_SCHEMA = {
  $id: 'https://ml-bottleneck-harness/model-output.json',
  type: 'object',
  additionalProperties: false,
  required: ['label', 'score', 'top_k', 'tokens', 'model_version'],
  properties: {
    label: { type: 'string', enum: [...LABELS] },
    score: { type: 'number', minimum: 0, maximum: 1 },
    top_k: {
      type: 'array',
      minItems: 1,
      maxItems: TOP_K,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'score'],
        properties: {
          label: { type: 'string', enum: [...LABELS] },
          score: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
    tokens: { type: 'integer', minimum: 0 },
    model_version: { type: 'string', minLength: 1 },
  },
} as const;
