/**
 * The part of a Hugging Face BERT config.json (BertModel, as sentence-transformers
 * checkpoints ship it) that the graph needs, checked so that a checkpoint of another
 * architecture fails here with the field's name rather than as a shape error later.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const BertConfigSchema = z.object({
  model_type: z.literal('bert'),
  hidden_size: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  type_vocab_size: z.number().int().positive().default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  /** BERT's "gelu" is the exact erf form; the tanh approximation would need another graph. */
  hidden_act: z.literal('gelu'),
  position_embedding_type: z.literal('absolute').default('absolute'),
});

export type BertConfig = z.infer<typeof BertConfigSchema>;

export async function readBertConfig(path: string): Promise<BertConfig> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the model config ${path}: ${(err as Error).message}`);
  }
  const parsed = BertConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path} is not a BERT config this graph can build: ${problems}`);
  }
  const c = parsed.data;
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new Error(`${path}: hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`);
  }
  return c;
}
