/**
 * The document the model's logits are decoded into, and the JSON Schema the
 * post-processor validates it against. Decoder and validator share this one
 * definition so that "valid" means the same thing on both sides. The label set is
 * the served model's (its manifest's `labels`), so the schema is built from it.
 */

export const TOP_K = 3;

export interface ModelOutput {
  label: string;
  score: number;
  top_k: { label: string; score: number }[];
  tokens: number;
  model_version: string;
}

/** The output's fields in the order the decoder writes them (and the repair step restores). */
export const OUTPUT_FIELDS = ['label', 'score', 'top_k', 'tokens', 'model_version'] as const;

/** The first label that appears twice, if any: a label must name one logit. */
export function duplicateLabel(labels: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const label of labels) {
    if (seen.has(label)) return label;
    seen.add(label);
  }
  return undefined;
}

/** The JSON Schema of an output of a model whose head has these labels (logit order). */
export function outputSchema(labels: readonly string[]) {
  if (labels.length === 0) throw new Error('an output schema needs at least one label');
  const twice = duplicateLabel(labels);
  if (twice !== undefined) throw new Error(`label ${twice} appears twice; each label names one logit`);
  return {
    $id: 'https://ml-bottleneck-harness/model-output.json',
    type: 'object',
    additionalProperties: false,
    required: [...OUTPUT_FIELDS],
    properties: {
      label: { type: 'string', enum: [...labels] },
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
            label: { type: 'string', enum: [...labels] },
            score: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      },
      tokens: { type: 'integer', minimum: 0 },
      model_version: { type: 'string', minLength: 1 },
    },
  } as const;
}

export type OutputSchema = ReturnType<typeof outputSchema>;
