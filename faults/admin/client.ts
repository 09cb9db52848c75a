import type { LedgerEntry } from '../ledger.ts';

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
    return this.call<{ entries: LedgerEntry[]; next: number; dropped: number }>('GET', `/ledger?after=${after}&limit=${limit}`);
  }

  /** Every ledger entry after sequence `after`, page by page. */
  async ledgerAll(after = 0): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for (let cursor = after; ;) {
      const page = await this.ledger(cursor);
      if (page.entries.length === 0) return out;
      out.push(...page.entries);
      cursor = page.next;
    }
  }

  /** The sequence number of the newest entry (0 for an empty ledger): a cursor for "from now on". */
  async ledgerHead(): Promise<number> {
    return (await this.ledgerAll()).at(-1)?.seq ?? 0;
  }
}
