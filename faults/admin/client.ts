/** A client of the fault admin API, used by the CLI, the scenario runner and tests. */
export class AdminClient {
  readonly baseUrl: string;
  private readonly token: string;

  constructor(baseUrl: string, token: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new Error(`fault admin API not reachable at ${this.baseUrl} (${(err as Error).message}); is the pipeline up with FAULT_INJECTION=on?`);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error ?? ''}`.trim());
    return json as T;
  }

  enable(fault: string, knobs: Record<string, unknown>) {
    return this.call('PUT', `/faults/${fault}`, knobs);
  }

  reset() {
    return this.call('DELETE', '/faults');
  }

  status() {
    return this.call<{ faults: { name: string; enabled: boolean; knobs: unknown; counters: Record<string, number> }[] }>('GET', '/faults');
  }

  ledger(after = 0, limit = 10_000) {
    return this.call<{ entries: import('../ledger.ts').LedgerEntry[]; next: number; dropped: number }>('GET', `/ledger?after=${after}&limit=${limit}`);
  }
}
