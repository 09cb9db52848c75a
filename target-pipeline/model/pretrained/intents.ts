/**
 * The intent head as data: each label with the example phrasings whose embeddings
 * become its prototype, and the scale applied to cosine similarities. The label set,
 * and its order (the logit order), come from this file.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The intents the pipeline's traffic falls into (customer-support requests). */
export const DEFAULT_INTENTS_FILE = fileURLToPath(new URL('./intents.json', import.meta.url));

export const IntentsSchema = z.object({
  $comment: z.string().optional(),
  /**
   * logits = scale * cosine similarity. Only the softmax scores depend on it, not the
   * ranking: at 20, a cosine lead of 0.1 makes a label e^2 ≈ 7.4 times as likely.
   */
  scale: z.number().positive(),
  intents: z.array(z.object({
    label: z.string().regex(/^[a-z][a-z0-9_]*$/, 'labels are lowercase snake_case'),
    /** What the label means, for people; not embedded. */
    meaning: z.string().min(1),
    /** Example phrasings: each is embedded, and their normalised mean is the prototype. */
    examples: z.array(z.string().min(1)).min(1),
  })).min(2),
});

export type Intents = z.infer<typeof IntentsSchema>;

/** Parses and checks an intents document; `source` names it in errors. */
export function parseIntents(json: unknown, source: string): Intents {
  const parsed = IntentsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source} is not a valid intents file: ${problems}`);
  }
  const seenLabels = new Set<string>();
  const seenExamples = new Map<string, string>();
  for (const { label, examples } of parsed.data.intents) {
    if (seenLabels.has(label)) throw new Error(`${source}: label ${label} appears twice`);
    seenLabels.add(label);
    for (const example of examples) {
      const key = example.trim().toLowerCase();
      const owner = seenExamples.get(key);
      if (owner !== undefined) throw new Error(`${source}: example "${example}" is given for both ${owner} and ${label}`);
      seenExamples.set(key, label);
    }
  }
  return parsed.data;
}

export async function readIntents(path: string = DEFAULT_INTENTS_FILE): Promise<Intents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read intents file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseIntents(json, path);
}
