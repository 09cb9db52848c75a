import { describe, expect, it } from 'vitest';
import { validatePredict } from '../../target-pipeline/gateway/request.ts';

const limits = { modelName: 'intent-encoder', maxInputChars: 100, maxFeatureIds: 4 };
const valid = { model: 'intent-encoder', input: 'hello', feature_ids: ['user-000001'], client_id: 'c' };
const check = (body: unknown) => validatePredict(typeof body === 'string' ? body : JSON.stringify(body), limits);

describe('POST /predict validation', () => {
  it('should accept a well-formed request', () => {
    expect(check(valid)).toMatchObject({ ok: true, value: { input_type: 'text' } });
  });

  it('should name the problem and the field when the request is malformed', () => {
    const cases: [unknown, number, string, RegExp][] = [
      ['{"model":', 400, 'invalid_json', /not valid JSON/],
      [{ ...valid, input: 42 }, 400, 'invalid_field', /input/],
      [{ ...valid, input: '' }, 400, 'invalid_field', /input: must not be empty/],
      [{ ...valid, input: 'x'.repeat(101) }, 400, 'invalid_field', /at most 100 characters/],
      [{ ...valid, feature_ids: [] }, 400, 'invalid_field', /feature_ids/],
      [{ ...valid, feature_ids: ['a', 'b', 'c', 'd', 'e'] }, 400, 'invalid_field', /at most 4 ids/],
      [{ ...valid, feature_ids: ['bad id!'] }, 400, 'invalid_field', /feature_ids\.0/],
      [{ ...valid, client_id: undefined }, 400, 'invalid_field', /client_id/],
      [{ ...valid, extra: true }, 400, 'invalid_field', /extra/],
      [[1, 2], 400, 'invalid_field', /\(root\)/],
      [{ ...valid, model: 'gpt-9' }, 404, 'unknown_model', /unknown model 'gpt-9'/],
    ];
    for (const [body, status, reason, msg] of cases) {
      const r = check(body);
      expect(r.ok, JSON.stringify(body)).toBe(false);
      if (!r.ok) {
        expect(r.failure.status).toBe(status);
        expect(r.failure.reason).toBe(reason);
        expect(r.failure.message).toMatch(msg);
      }
    }
  });
});
