import { z } from 'zod';
import { issueField } from '../service/errors.ts';
import { ENTITY_ID_PATTERN } from '../feature-extractor/service.ts';

export interface RequestLimits {
  modelName: string;
  maxInputChars: number;
  maxFeatureIds: number;
}

/** The body of POST /predict. */
export function predictSchema(l: RequestLimits) {
  return z.object({
    model: z.string().min(1).max(128),
    input: z.string().min(1, 'must not be empty').max(l.maxInputChars, `at most ${l.maxInputChars} characters`),
    input_type: z.literal('text').default('text'),
    feature_ids: z.array(z.string().regex(ENTITY_ID_PATTERN, 'an entity id (letters, digits, ._:-, at most 64 characters)'))
      .min(1).max(l.maxFeatureIds, `at most ${l.maxFeatureIds} ids`),
    client_id: z.string().min(1).max(128),
  }).strict();
}
export type PredictRequest = z.infer<ReturnType<typeof predictSchema>>;

export interface ValidationFailure {
  status: number;
  reason: 'invalid_json' | 'invalid_field' | 'unknown_model' | 'payload_too_large' | 'unsupported_media_type';
  field?: string;
  message: string;
}

/** Parses and validates a raw body; the failure says what was wrong and where. */
export function validatePredict(raw: string, l: RequestLimits): { ok: true; value: PredictRequest } | { ok: false; failure: ValidationFailure } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, failure: { status: 400, reason: 'invalid_json', message: `body is not valid JSON: ${(err as Error).message}` } };
  }
  const parsed = predictSchema(l).safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const field = issueField(i);
    return { ok: false, failure: { status: 400, reason: 'invalid_field', field, message: `${field}: ${i.message}` } };
  }
  if (parsed.data.model !== l.modelName) {
    return { ok: false, failure: { status: 404, reason: 'unknown_model', field: 'model', message: `unknown model '${parsed.data.model}' (this pipeline serves '${l.modelName}')` } };
  }
  return { ok: true, value: parsed.data };
}
