/**
 * The generated WordPiece vocabulary: BERT's layout (special tokens first, then
 * characters, whole words and `##` continuation pieces) filled up to the requested
 * size with seeded pseudo-words. Every ASCII word can be spelt from the single
 * characters and `##` characters, so only non-ASCII text ever maps to [UNK].
 */
import { mulberry32, randomInt } from './prng.ts';
import { SUFFIXES, WORDS } from './words.ts';

export const SpecialTokens = {
  pad: '[PAD]',
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  mask: '[MASK]',
} as const;

/** Ids 0..4, in this order; [PAD] must be 0 because padding positions are written as 0. */
export const SPECIAL_TOKENS: readonly string[] = [
  SpecialTokens.pad, SpecialTokens.unk, SpecialTokens.cls, SpecialTokens.sep, SpecialTokens.mask,
];

export const CONTINUATION_PREFIX = '##';

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const DIGITS = '0123456789';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
  'bl', 'br', 'ch', 'cl', 'cr', 'dr', 'fl', 'fr', 'gl', 'gr', 'pl', 'pr', 'sh', 'sk', 'sl', 'sp', 'st', 'str', 'th', 'tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ee', 'oo', 'ou', 'ie', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'nt', 'st', 'ck', 'ng', 'rk', 'x'];

/** Share of the filler written as `##` continuation pieces, roughly BERT's proportion. */
const CONTINUATION_SHARE = 0.25;

function syllable(next: () => number): string {
  const pick = (xs: readonly string[]): string => xs[randomInt(next, xs.length)] ?? '';
  return pick(ONSETS) + pick(VOWELS) + pick(CODAS);
}

/** Tokens in id order: vocab[id] is the token with that id. */
export function buildVocabulary(size: number, seed: number): string[] {
  const minimum = SPECIAL_TOKENS.length + PUNCTUATION.length + 2 * (DIGITS.length + LETTERS.length);
  if (size < minimum) throw new Error(`vocabulary size ${size} is below the ${minimum} entries every word needs`);
  const tokens = new Set<string>(SPECIAL_TOKENS);
  const add = (t: string): void => { if (tokens.size < size) tokens.add(t); };
  for (const c of PUNCTUATION + DIGITS + LETTERS) add(c);
  for (const c of DIGITS + LETTERS) add(CONTINUATION_PREFIX + c);
  for (const a of LETTERS) for (const b of LETTERS) add(CONTINUATION_PREFIX + a + b);
  for (const w of WORDS) add(w);
  for (const s of SUFFIXES) add(CONTINUATION_PREFIX + s);

  const next = mulberry32(seed);
  // Bounded so that a size beyond what the syllable space can fill fails loudly.
  for (let attempts = 0; tokens.size < size; attempts++) {
    if (attempts > size * 50) throw new Error(`cannot generate ${size} distinct vocabulary entries`);
    if (next() < CONTINUATION_SHARE) {
      add(CONTINUATION_PREFIX + syllable(next));
    } else {
      const syllables = 1 + randomInt(next, 3);
      let word = '';
      for (let i = 0; i < syllables; i++) word += syllable(next);
      add(word);
    }
  }
  return [...tokens];
}
