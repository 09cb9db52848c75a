/** Raised when the harness itself (not an assertion) failed: exit code 2. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}
