/**
 * The post-processing loop: validate, repair what can be derived, re-invoke the model
 * otherwise, with a bound on the work per request.
 *
 * Counting: every validation of a candidate is one attempt. Attempt 1 validates the
 * original text. When attempt n fails, attempt n+1's candidate is repairOutput's result
 * if it produced one, else a fresh output from reinvoke(). At most maxAttempts
 * validations happen, so a persistently broken model costs maxAttempts - 1 re-invocations.
 */
import type { ModelOutput } from '../model/output.ts';
import { repairOutput } from './repair.ts';
import type { FailureReason, OutputValidator } from './validate.ts';

export const DEFAULT_MAX_ATTEMPTS = 3;

export interface AttemptFailure {
  attempt: number;
  reason: FailureReason;
  field: string;
}

export interface PostProcessResult {
  /** The valid output; absent when every attempt failed. */
  value?: ModelOutput;
  /** Validations performed (1 when the original output was valid). */
  attempts: number;
  /** True when the original output was invalid, whatever fixed it. */
  requiredRepair: boolean;
  /** What produced `value` when the original was invalid. */
  recoveredBy?: 'repair' | 'reinvoke';
  /** One entry per failed attempt, in order. */
  failures: AttemptFailure[];
}

export interface PostProcessOptions {
  maxAttempts?: number;
}

/**
 * `validator` holds the served model's output schema. Errors thrown by reinvoke()
 * propagate: a model that cannot answer is not a validation failure.
 */
export async function postProcess(
  text: string,
  reinvoke: () => Promise<string>,
  validator: OutputValidator,
  options: PostProcessOptions = {},
): Promise<PostProcessResult> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`postProcess: maxAttempts must be an integer >= 1, got ${String(maxAttempts)}`);
  }
  const failures: AttemptFailure[] = [];
  let candidate = text;
  let source: 'original' | 'repair' | 'reinvoke' = 'original';

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const result = validator.validateOutput(candidate);
    if (result.ok) {
      return {
        value: result.value,
        attempts: attempt,
        requiredRepair: source !== 'original',
        ...(source === 'original' ? {} : { recoveredBy: source }),
        failures,
      };
    }
    failures.push({ attempt, reason: result.reason, field: result.field });
    if (attempt === maxAttempts) break;
    const repaired = repairOutput(candidate, result, validator);
    if (repaired !== undefined) {
      candidate = repaired;
      source = 'repair';
    } else {
      candidate = await reinvoke();
      source = 'reinvoke';
    }
  }
  return { attempts: maxAttempts, requiredRepair: true, failures };
}
