/**
 * Validates the model's output text against the output schema of the served model's
 * labels and classifies the first problem, so spans and the repair step can say what
 * was wrong and where.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { outputSchema, type ModelOutput, type OutputSchema } from '../model/output.ts';

export type FailureReason =
  | 'parse_error'
  | 'missing_field'
  | 'wrong_type'
  | 'out_of_range'
  | 'unexpected_field'
  | 'invalid';

export interface ValidationFailure {
  ok: false;
  reason: FailureReason;
  /** JSON pointer of the offending value (e.g. "/top_k/0/score"); 'unknown' when there is none. */
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; value: ModelOutput } | ValidationFailure;

export const UNKNOWN_FIELD = 'unknown';

/** Validation against one model's output schema; made once per service (see createOutputValidator). */
export interface OutputValidator {
  /** The model's labels, in logit order. */
  readonly labels: readonly string[];
  readonly schema: OutputSchema;
  validateOutput(text: string): ValidationResult;
  /** Same as validateOutput for an already parsed document (the repair step reuses it). */
  validateValue(value: unknown): ValidationResult;
}

const REASON_BY_KEYWORD: Record<string, FailureReason> = {
  required: 'missing_field',
  type: 'wrong_type',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  exclusiveMinimum: 'out_of_range',
  exclusiveMaximum: 'out_of_range',
  minItems: 'out_of_range',
  maxItems: 'out_of_range',
  minLength: 'out_of_range',
  maxLength: 'out_of_range',
  additionalProperties: 'unexpected_field',
};

/**
 * A validator for outputs over `labels`. The schema is compiled here, once:
 * compilation costs milliseconds, validation microseconds. allErrors is off because
 * only the first error is reported and it stops validation early.
 */
export function createOutputValidator(labels: readonly string[]): OutputValidator {
  const schema = outputSchema(labels);
  const compiled = new Ajv({ allErrors: false, strict: true }).compile<ModelOutput>(schema);
  const validateValue = (value: unknown): ValidationResult => classify(compiled, value);
  return {
    labels: [...labels],
    schema,
    validateValue,
    validateOutput(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return { ok: false, reason: 'parse_error', field: UNKNOWN_FIELD, message: (err as Error).message };
      }
      return validateValue(value);
    },
  };
}

function classify(validateSchema: ValidateFunction<ModelOutput>, value: unknown): ValidationResult {
  if (validateSchema(value)) return { ok: true, value };
  const error = validateSchema.errors?.[0];
  if (error === undefined) return { ok: false, reason: 'invalid', field: UNKNOWN_FIELD, message: 'schema validation failed' };
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return {
    ok: false,
    reason: REASON_BY_KEYWORD[error.keyword] ?? 'invalid',
    field: fieldOf(error),
    message: `${error.instancePath || 'output'} ${error.message ?? 'is invalid'}${extra === undefined ? '' : ` ('${extra}')`}`,
  };
}

/** For required/additionalProperties ajv points at the parent object; name the property itself. */
function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property = params.missingProperty ?? params.additionalProperty;
  const pointer = property === undefined ? error.instancePath : `${error.instancePath}/${escapePointer(property)}`;
  return pointer === '' ? UNKNOWN_FIELD : pointer;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
