/**
 * Realistic corruption of a serialized model output, for the output-corruption fault:
 * the kinds of damage a streaming decoder or a flaky transport really produces. Pure
 * functions; all randomness comes from `rng`.
 *
 * What repairOutput can do with each mode (for the decoder's key order: label, score,
 * top_k, tokens, model_version):
 * - truncate: repairable only when the cut falls after model_version's closing quote
 *   (just the final brace lost). Any earlier cut loses model_version, and usually tokens
 *   and top_k, which cannot be derived: the post-processor re-invokes the model.
 * - missing_field: `label` and `score` are repaired (copied from top_k[0]); a missing
 *   `top_k`, `tokens` or `model_version` is not derivable, so the model is re-invoked.
 * - wrong_type: a score or tokens sent as a numeric string is repaired (coerced back);
 *   a label sent as its class index or top_k sent as an object is not: re-invoke.
 */


export const CORRUPTION_MODES = ['truncate', 'missing_field', 'wrong_type'] as const;
export type CorruptionMode = (typeof CORRUPTION_MODES)[number];

const REQUIRED_FIELDS = ['label', 'score', 'top_k', 'tokens', 'model_version'] as const;

type Doc = Record<string, unknown>;

/** Type changes, each tried only when the field has the expected shape. */
const TYPE_CHANGES: { field: string; apply: (doc: Doc, labels: readonly string[]) => boolean }[] = [
  // Repairable: the number survives as its decimal string.
  { field: 'score', apply: (d) => stringify(d, 'score') },
  { field: 'tokens', apply: (d) => stringify(d, 'tokens') },
  {
    field: 'top_k/0/score',
    apply: (d) => {
      const first = Array.isArray(d['top_k']) ? (d['top_k'][0] as unknown) : undefined;
      return typeof first === 'object' && first !== null && stringify(first as Doc, 'score');
    },
  },
  // Not repairable: mapping an index back to a label, or an object back to a list, is guesswork.
  {
    field: 'label',
    apply: (d, labels) => {
      const index = (labels as readonly unknown[]).indexOf(d['label']);
      if (index < 0) return false;
      d['label'] = index;
      return true;
    },
  },
  {
    field: 'top_k',
    apply: (d) => {
      if (!Array.isArray(d['top_k'])) return false;
      d['top_k'] = Object.fromEntries(d['top_k'].map((entry, i) => [String(i), entry as unknown]));
      return true;
    },
  },
];

/**
 * Returns corrupted text; returns `text` unchanged only when it has nothing the mode can
 * damage (too short to truncate, not a JSON object, no field of the right shape).
 * `labels` are the model's classes, in index order (a label sent as its index).
 */
export function corruptOutput(text: string, mode: CorruptionMode, rng: () => number, labels: readonly string[]): string {
  if (mode === 'truncate') return truncate(text, rng);
  const doc = parseObject(text);
  if (doc === undefined) return text;
  if (mode === 'missing_field') {
    const present = REQUIRED_FIELDS.filter((f) => Object.hasOwn(doc, f));
    const field = pick(present, rng);
    if (field === undefined) return text;
    delete doc[field];
    return JSON.stringify(doc);
  }
  // Try the changes from a random starting point so each is chosen about equally often.
  const start = Math.floor(rng() * TYPE_CHANGES.length);
  for (let k = 0; k < TYPE_CHANGES.length; k++) {
    const change = TYPE_CHANGES[(start + k) % TYPE_CHANGES.length];
    if (change?.apply(doc, labels)) return JSON.stringify(doc);
  }
  return text;
}

/** The fields a wrong_type corruption may target, as JSON pointers without the slash. */
export const WRONG_TYPE_TARGETS = TYPE_CHANGES.map((c) => c.field);

/** Keeps at least the first character and drops at least the last one. */
function truncate(text: string, rng: () => number): string {
  // Trailing whitespace is not content: cutting only that would leave valid JSON.
  const content = text.trimEnd();
  if (content.length < 2) return text;
  const keep = 1 + Math.floor(rng() * (content.length - 1));
  return content.slice(0, keep);
}

function stringify(doc: Doc, field: string): boolean {
  const value = doc[field];
  if (typeof value !== 'number') return false;
  doc[field] = String(value);
  return true;
}

function parseObject(text: string): Doc | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : undefined;
  } catch {
    return undefined;
  }
}

function pick<T>(items: readonly T[], rng: () => number): T | undefined {
  return items[Math.floor(rng() * items.length)];
}
