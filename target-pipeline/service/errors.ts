import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** An error with the HTTP status it should produce and, for bad input, the field at fault. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly field: string | undefined;
  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

/** One normaliser for thrown values: whatever was thrown becomes an Error. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

/** Records the exception and marks the span ERROR with its message. */
export function markSpanError(span: Span, thrown: unknown): Error {
  const err = toError(thrown);
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  return err;
}

/**
 * The field a zod issue is about, for a 4xx body: its path, or for an unknown key the
 * key itself (zod puts those at the object's own path, which would name only the parent).
 */
export function issueField(issue: { path: PropertyKey[]; code?: string; keys?: string[] }, root = '(root)'): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) return [at, issue.keys[0]].filter(Boolean).join('.');
  return at || root;
}
