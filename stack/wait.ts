/**
 * Waiting by polling with a deadline and backoff (5 ms doubling to 500 ms), the way
 * the Collector testbed waits: every wait is named by what it waits for, and a
 * timeout says so, with the last observation.
 */

export const POLL_START_MS = 5;
export const POLL_MAX_MS = 500;

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface WaitOptions {
  /** What is being waited for, in words: it becomes the timeout message. */
  what: string;
  timeoutMs: number;
  /** Checked between polls: a wait for a process that already died should stop at once. */
  abortIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value.
 * A probe that throws counts as "not yet"; its last error is quoted on timeout.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = POLL_START_MS;
  let last = 'no observation yet';
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort) throw new Error(`gave up waiting for ${opts.what}: ${abort}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'not ready';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what} (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, POLL_MAX_MS);
  }
}

/** Resolves when an HTTP GET of `url` answers with a 2xx status. */
export function waitForHttpOk(url: string, opts: WaitOptions): Promise<true> {
  return waitFor(async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    if (res.ok) return true as const;
    throw new Error(`${url} answered ${res.status}`);
  }, opts);
}
