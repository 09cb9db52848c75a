/**
 * tokenizer.json and tokenizer_config.json in the Hugging Face `tokenizers` format of
 * bert-base-uncased (BertNormalizer, BertPreTokenizer, WordPiece, [CLS]/[SEP]
 * template), so that any HF-compatible loader reads the generated tokenizer.
 */
import { CONTINUATION_PREFIX, SPECIAL_TOKENS, SpecialTokens } from './vocab.ts';

/** Longest word WordPiece tries to split; longer ones become [UNK] (HF default). */
const MAX_INPUT_CHARS_PER_WORD = 100;

function idOf(vocab: readonly string[], token: string): number {
  const id = vocab.indexOf(token);
  if (id < 0) throw new Error(`special token ${token} is missing from the vocabulary`);
  return id;
}

export function tokenizerJson(vocab: readonly string[]): object {
  const cls = idOf(vocab, SpecialTokens.cls);
  const sep = idOf(vocab, SpecialTokens.sep);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: idOf(vocab, content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: SpecialTokens.cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: SpecialTokens.sep, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: SpecialTokens.cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: SpecialTokens.sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: SpecialTokens.sep, type_id: 1 } },
      ],
      special_tokens: {
        [SpecialTokens.cls]: { id: SpecialTokens.cls, ids: [cls], tokens: [SpecialTokens.cls] },
        [SpecialTokens.sep]: { id: SpecialTokens.sep, ids: [sep], tokens: [SpecialTokens.sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION_PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SpecialTokens.unk,
      continuing_subword_prefix: CONTINUATION_PREFIX,
      max_input_chars_per_word: MAX_INPUT_CHARS_PER_WORD,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

export function tokenizerConfig(maxSeqLen: number): object {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: maxSeqLen,
    clean_up_tokenization_spaces: true,
    pad_token: SpecialTokens.pad,
    unk_token: SpecialTokens.unk,
    cls_token: SpecialTokens.cls,
    sep_token: SpecialTokens.sep,
    mask_token: SpecialTokens.mask,
  };
}
