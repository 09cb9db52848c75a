import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { serializeOutput } from '../../target-pipeline/model/decode.ts';
import type { ModelOutput } from '../../target-pipeline/model/output.ts';
import { GENERATED_LABELS as LABELS } from '../../target-pipeline/model/spec.ts';
import { WRONG_TYPE_TARGETS, corruptOutput as corruptWith } from '../../faults/corrupt-output.ts';
import type { CorruptionMode } from '../../faults/corrupt-output.ts';
import { repairOutput } from '../../target-pipeline/post-processor/repair.ts';
import { postProcess } from '../../target-pipeline/post-processor/retry.ts';
import { createOutputValidator } from '../../target-pipeline/post-processor/validate.ts';
import type { ValidationFailure } from '../../target-pipeline/post-processor/validate.ts';
import { mulberry32 } from '../../target-pipeline/model/prng.ts';

/** The generated model's output schema: these tests' outputs use its labels. */
const validator = createOutputValidator(LABELS);
const validateOutput = (text: string) => validator.validateOutput(text);

/** The fault's damage, with this model's labels. */
const corruptOutput = (text: string, mode: CorruptionMode, rng: () => number): string => corruptWith(text, mode, rng, LABELS);

const OUTPUT: ModelOutput = {
  label: 'review',
  score: 0.61,
  top_k: [
    { label: 'review', score: 0.61 },
    { label: 'approve', score: 0.3 },
    { label: 'reject', score: 0.09 },
  ],
  tokens: 12,
  model_version: 'encoder-v1.2.3',
};
const VALID = serializeOutput(OUTPUT);
const FIELDS = ['label', 'score', 'top_k', 'tokens', 'model_version'] as const;

/** An rng that always returns `x`, to pin which corruption a mode applies. */
const fixed = (x: number) => () => x;

function failureOf(text: string): ValidationFailure {
  const result = validateOutput(text);
  if (result.ok) throw new Error(`expected ${text} to be invalid`);
  return result;
}

function withField(field: string, value: unknown): string {
  return JSON.stringify({ ...OUTPUT, [field]: value });
}

function without(field: string): string {
  const doc: Record<string, unknown> = { ...OUTPUT };
  delete doc[field];
  return JSON.stringify(doc);
}

describe('validateOutput', () => {
  it('should accept the output when it is what the decoder serialises', () => {
    expect(validateOutput(VALID)).toEqual({ ok: true, value: OUTPUT });
  });

  it('should report parse_error at an unknown field when the JSON is truncated', () => {
    const text = corruptOutput(VALID, 'truncate', fixed(0.5));
    expect(text.length).toBeLessThan(VALID.length);
    expect(failureOf(text)).toMatchObject({ reason: 'parse_error', field: 'unknown' });
  });

  it.each(FIELDS.map((f, i) => [f, i] as const))(
    'should report missing_field at /%s when that field was deleted',
    (field, index) => {
      const text = corruptOutput(VALID, 'missing_field', fixed((index + 0.5) / FIELDS.length));
      expect(failureOf(text)).toMatchObject({ reason: 'missing_field', field: `/${field}` });
    },
  );

  it.each(WRONG_TYPE_TARGETS.map((f, i) => [f, i] as const))(
    'should report wrong_type at /%s when its type was changed',
    (field, index) => {
      const text = corruptOutput(VALID, 'wrong_type', fixed((index + 0.5) / WRONG_TYPE_TARGETS.length));
      expect(failureOf(text)).toMatchObject({ reason: 'wrong_type', field: `/${field}` });
    },
  );

  it('should report out_of_range when the score is above 1', () => {
    expect(failureOf(withField('score', 1.5))).toMatchObject({ reason: 'out_of_range', field: '/score' });
  });

  it('should report unexpected_field naming the property when one is added', () => {
    expect(failureOf(withField('debug', true))).toMatchObject({ reason: 'unexpected_field', field: '/debug' });
  });

  it('should report invalid when the label is not a known class', () => {
    expect(failureOf(withField('label', 'maybe'))).toMatchObject({ reason: 'invalid', field: '/label' });
  });

  it('should report wrong_type at an unknown field when the document is not an object', () => {
    expect(failureOf('[1,2]')).toMatchObject({ reason: 'wrong_type', field: 'unknown' });
  });
});

describe('repairOutput', () => {
  const repair = (text: string) => repairOutput(text, failureOf(text), validator);

  it('should restore the output when a truncation lost only the closing brace', () => {
    expect(repair(VALID.slice(0, -1))).toBe(VALID);
  });

  it('should refuse when the truncation cut into model_version', () => {
    expect(repair(VALID.slice(0, -4))).toBeUndefined();
  });

  it('should refuse when the truncation cut into top_k', () => {
    expect(repair(VALID.slice(0, VALID.indexOf('approve')))).toBeUndefined();
  });

  it('should drop the dangling partial member and derive it when a truncation cut into label', () => {
    const reordered = JSON.stringify({ model_version: 'm1', tokens: 3, top_k: OUTPUT.top_k, score: 0.61, label: 'review' });
    const repaired = repair(reordered.slice(0, reordered.lastIndexOf('"revi') + 5));
    expect(repaired).toBeDefined();
    expect(JSON.parse(repaired!)).toEqual({ ...OUTPUT, model_version: 'm1', tokens: 3 });
  });

  it('should refuse when the truncation ends in a number that may have lost digits', () => {
    const reordered = JSON.stringify({ label: 'review', score: 0.61, top_k: OUTPUT.top_k, model_version: 'm1', tokens: 12 });
    expect(repair(reordered.slice(0, -2))).toBeUndefined(); // ..."tokens":1
  });

  it('should refuse when the parse error is not a truncation', () => {
    expect(repair(`${VALID}}`)).toBeUndefined();
    expect(repair(VALID.replace('"review"', "'review'"))).toBeUndefined();
  });

  it.each(['label', 'score'])('should derive %s from top_k[0] when it is missing', (field) => {
    expect(repair(without(field))).toBe(VALID);
  });

  it.each(['top_k', 'tokens', 'model_version'])('should refuse when %s is missing', (field) => {
    expect(repair(without(field))).toBeUndefined();
  });

  it('should refuse to derive label when score disagrees with top_k[0]', () => {
    const doc: Record<string, unknown> = { ...OUTPUT, score: 0.3 };
    delete doc['label'];
    expect(repair(JSON.stringify(doc))).toBeUndefined();
  });

  it('should coerce numeric strings back when score or tokens arrive as strings', () => {
    expect(repair(withField('score', '0.61'))).toBe(VALID);
    expect(repair(withField('tokens', '12'))).toBe(VALID);
    const nested = JSON.stringify({ ...OUTPUT, top_k: [{ label: 'review', score: '0.61' }, ...OUTPUT.top_k.slice(1)] });
    expect(repair(nested)).toBe(VALID);
  });

  it('should refuse coercions that are not exact when the string is not a clean number', () => {
    expect(repair(withField('tokens', '12.5'))).toBeUndefined();
    expect(repair(withField('tokens', 'twelve'))).toBeUndefined();
    expect(repair(withField('score', '61%'))).toBeUndefined();
    expect(repair(withField('label', 1))).toBeUndefined();
  });

  it('should drop a property the schema does not know', () => {
    expect(repair(withField('debug', { x: 1 }))).toBe(VALID);
  });
});

describe('createOutputValidator', () => {
  const intents = createOutputValidator(['refund', 'cancel', 'other']);
  const REFUND: ModelOutput = {
    label: 'refund', score: 0.8, top_k: [{ label: 'refund', score: 0.8 }, { label: 'other', score: 0.2 }], tokens: 9, model_version: 'mine-1',
  };

  it('should accept exactly its own labels when the model has another label set', () => {
    expect(intents.validateOutput(serializeOutput(REFUND))).toEqual({ ok: true, value: REFUND });
    expect(intents.validateOutput(VALID)).toMatchObject({ ok: false, reason: 'invalid', field: '/label' });
    // 'refund' happens to be a generated label too; 'other' is not.
    expect(validateOutput(serializeOutput(REFUND))).toMatchObject({ ok: false, reason: 'invalid', field: '/top_k/1/label' });
  });

  it('should derive a lost label from top_k only when that label is one of its own', async () => {
    const { label: _, ...rest } = REFUND;
    expect(await postProcess(JSON.stringify(rest), async () => 'unused', intents)).toMatchObject({ value: REFUND, recoveredBy: 'repair' });
    const foreign = JSON.stringify({ ...rest, top_k: [{ label: 'review', score: 0.8 }] });
    expect(repairOutput(foreign, intents.validateOutput(foreign) as ValidationFailure, intents)).toBeUndefined();
  });
});

describe('postProcess', () => {
  const reinvokeWith = (...texts: string[]) => {
    let i = 0;
    return vi.fn(async () => texts[Math.min(i++, texts.length - 1)] as string);
  };

  it('should take one attempt when the original output is valid', async () => {
    const reinvoke = reinvokeWith(VALID);
    const result = await postProcess(VALID, reinvoke, validator);
    expect(result).toEqual({ value: OUTPUT, attempts: 1, requiredRepair: false, failures: [] });
    expect(reinvoke).not.toHaveBeenCalled();
  });

  it('should validate the repaired text as attempt 2 when the output is repairable', async () => {
    const reinvoke = reinvokeWith(VALID);
    const result = await postProcess(without('label'), reinvoke, validator);
    expect(result).toMatchObject({ value: OUTPUT, attempts: 2, requiredRepair: true, recoveredBy: 'repair' });
    expect(result.failures).toEqual([{ attempt: 1, reason: 'missing_field', field: '/label' }]);
    expect(reinvoke).not.toHaveBeenCalled();
  });

  it('should re-invoke the model for attempt 2 when the output is not repairable', async () => {
    const reinvoke = reinvokeWith(VALID);
    const result = await postProcess(without('model_version'), reinvoke, validator);
    expect(result).toMatchObject({ value: OUTPUT, attempts: 2, requiredRepair: true, recoveredBy: 'reinvoke' });
    expect(reinvoke).toHaveBeenCalledTimes(1);
  });

  it('should give up after 3 failed attempts when every output is broken', async () => {
    const broken = without('tokens');
    const reinvoke = reinvokeWith(VALID.slice(0, 10), broken);
    const result = await postProcess(broken, reinvoke, validator);
    expect(result.value).toBeUndefined();
    expect(result.attempts).toBe(3);
    expect(result.requiredRepair).toBe(true);
    expect(result.failures).toEqual([
      { attempt: 1, reason: 'missing_field', field: '/tokens' },
      { attempt: 2, reason: 'parse_error', field: 'unknown' },
      { attempt: 3, reason: 'missing_field', field: '/tokens' },
    ]);
    expect(reinvoke).toHaveBeenCalledTimes(2);
  });

  it('should stop after one validation when maxAttempts is 1', async () => {
    const reinvoke = reinvokeWith(VALID);
    const result = await postProcess(without('label'), reinvoke, validator, { maxAttempts: 1 });
    expect(result.attempts).toBe(1);
    expect(result.value).toBeUndefined();
    expect(reinvoke).not.toHaveBeenCalled();
  });

  it('should name the setting when maxAttempts is invalid', async () => {
    await expect(postProcess(VALID, reinvokeWith(VALID), validator, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts must be an integer >= 1/);
  });
});

/** Any output the decoder can produce: top_k sorted by score, label and score copied from it. */
const modelOutput: fc.Arbitrary<ModelOutput> = fc
  .record({
    labels: fc.shuffledSubarray([...LABELS], { minLength: 1, maxLength: 3 }),
    scores: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    tokens: fc.nat({ max: 100_000 }),
    model_version: fc.string({ minLength: 1, maxLength: 24 }),
  })
  .map(({ labels, scores, tokens, model_version }) => {
    const sorted = [...scores].sort((a, b) => b - a);
    const top_k = labels.map((label: string, i) => ({ label, score: sorted[i] as number }));
    const top = top_k[0] as { label: string; score: number };
    return { label: top.label, score: top.score, top_k, tokens, model_version };
  });

const mode = fc.constantFrom<CorruptionMode>('truncate', 'missing_field', 'wrong_type');

describe('post-processing properties', () => {
  it('should never throw and always end valid within 3 attempts when the model answers validly on re-invocation', async () => {
    await fc.assert(
      fc.asyncProperty(modelOutput, mode, fc.integer(), async (output, m, seed) => {
        const original = serializeOutput(output);
        const corrupted = corruptOutput(original, m, mulberry32(seed));
        expect(() => validateOutput(corrupted)).not.toThrow();
        const result = await postProcess(corrupted, async () => original, validator);
        expect(result.attempts).toBeLessThanOrEqual(3);
        // Repair never invents: whatever path was taken, the value is the model's output.
        expect(result.value).toEqual(JSON.parse(original));
      }),
      { numRuns: 300 },
    );
  });

  it('should either refuse or restore the exact output when any prefix of it in any key order is repaired', () => {
    fc.assert(
      fc.property(
        modelOutput,
        fc.shuffledSubarray([...FIELDS], { minLength: FIELDS.length, maxLength: FIELDS.length }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (output, order, cut) => {
          const text = JSON.stringify(Object.fromEntries(order.map((f) => [f, output[f]])));
          const prefix = text.slice(0, 1 + Math.floor(cut * (text.length - 1)));
          const repaired = repairOutput(prefix, failureOf(prefix), validator);
          if (repaired !== undefined) expect(JSON.parse(repaired)).toEqual(output);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('should never throw when validating or repairing arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = validateOutput(text);
        if (!result.ok) expect(() => repairOutput(text, result, validator)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
