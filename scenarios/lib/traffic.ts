/**
 * What every k6 load sends (scenarios/*.ts, bench/load.ts): the request texts and the
 * entity ids. Plain TypeScript with no k6 import, so Node reads it too.
 */

/**
 * The bench's texts (bench/load.ts, and the delivery tests that use it): the README's
 * bench figures were measured with exactly these, so more texts would move them.
 */
export const BENCH_TEXTS: readonly string[] = [
  'my card was charged twice for the same order',
  'please cancel my subscription before the next billing date',
  'the delivery is late again and nobody answers the phone, I want a refund or a discount on my next order',
  'can I upgrade my plan',
];

/**
 * The scenarios' texts, of more varied length, so sequence lengths (and forward-pass cost)
 * vary like real traffic; between them they ask for every intent the served model knows
 * (target-pipeline/model/pretrained/intents.json).
 */
export const TEXTS: readonly string[] = [
  ...BENCH_TEXTS,
  'I moved to a new address last month and the invoices still go to the old one; also the app logs me out every day and support told me to reinstall it three times already',
  'why was my transfer declined',
  'great service, thanks',
  'the item arrived broken, the box was crushed and the seller does not reply',
  'I forgot my password and the reset link in the email does not work',
];

/**
 * The feature store's id of entity `index`. The format belongs to the pipeline
 * (target-pipeline/feature-extractor/entity-id.ts), which k6 cannot import: this is its
 * one copy, held equal to it by test/unit/traffic.test.ts.
 */
export function entityId(index: number): string {
  return `user-${String(index).padStart(6, '0')}`;
}

export function randomText(texts: readonly string[] = TEXTS): string {
  return texts[Math.floor(Math.random() * texts.length)]!;
}

/** One of the first `entities` entities, uniformly. */
export function randomEntityId(entities: number): string {
  return entityId(Math.floor(Math.random() * entities));
}
