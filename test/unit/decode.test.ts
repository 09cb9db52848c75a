import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOutput, serializeOutput } from '../../target-pipeline/model/decode.ts';
import { outputSchema, TOP_K } from '../../target-pipeline/model/output.ts';
import { GENERATED_LABELS as LABELS } from '../../target-pipeline/model/spec.ts';

const validate = new Ajv().compile(outputSchema(LABELS));
const N = LABELS.length;

describe('decodeOutput', () => {
  it('should produce a schema-valid output when the logits are any finite row', () => {
    fc.assert(fc.property(
      fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 2 * N, maxLength: 2 * N }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 512 }),
      (values, row, tokens) => {
        const out = decodeOutput(new Float32Array(values), row, LABELS, tokens, 'gen-test');
        expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
        expect(validate(JSON.parse(serializeOutput(out)))).toBe(true);
      },
    ), { numRuns: 200 });
  });

  it('should pick the argmax label and rank top_k by score when logits are distinct', () => {
    const logits = new Float32Array([0, 1, 5, 2, -1, 3, 0.5, -2]);
    const out = decodeOutput(logits, 0, LABELS, 12, 'gen-x');
    expect(out.label).toBe(LABELS[2]);
    expect(out.top_k.map((k) => k.label)).toEqual([LABELS[2], LABELS[5], LABELS[3]]);
    expect(out.top_k).toHaveLength(TOP_K);
    expect(out.score).toBe(out.top_k[0]?.score);
    expect(out.tokens).toBe(12);
    expect(out.model_version).toBe('gen-x');
  });

  it('should round scores to 4 decimals when decoding', () => {
    const out = decodeOutput(new Float32Array([0.3, 0.1, 0.2, 0, 0, 0, 0, 0]), 0, LABELS, 1, 'v');
    for (const s of [out.score, ...out.top_k.map((k) => k.score)]) expect(Math.round(s * 1e4) / 1e4).toBe(s);
  });

  it('should read the requested row when logits hold a batch', () => {
    const logits = new Float32Array(2 * N);
    logits[N + 6] = 10;
    expect(decodeOutput(logits, 1, LABELS, 1, 'v').label).toBe(LABELS[6]);
  });

  it('should throw naming the row when it is outside the logits', () => {
    expect(() => decodeOutput(new Float32Array(N), 1, LABELS, 1, 'v')).toThrow(/row 1/);
  });

  it('should answer with the manifest\'s own labels when the model has any label set', () => {
    const labels = ['greeting', 'farewell'];
    const out = decodeOutput(new Float32Array([0.1, 3]), 0, labels, 2, 'mine');
    expect(out.label).toBe('farewell');
    expect(out.top_k.map((k) => k.label)).toEqual(['farewell', 'greeting']);
    expect(new Ajv().compile(outputSchema(labels))(out)).toBe(true);
    expect(validate(out)).toBe(false);
  });
});

describe('outputSchema', () => {
  it('should refuse a label set when a label appears twice or there is none', () => {
    expect(() => outputSchema(['a', 'b', 'a'])).toThrow('label a appears twice');
    expect(() => outputSchema([])).toThrow(/at least one label/);
  });
});

describe('serializeOutput', () => {
  it('should write the fields in schema order when serializing', () => {
    const out = decodeOutput(new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]), 0, LABELS, 3, 'v');
    const text = serializeOutput(out);
    expect(Object.keys(JSON.parse(text))).toEqual(['label', 'score', 'top_k', 'tokens', 'model_version']);
    expect(JSON.parse(text)).toEqual(out);
  });
});
