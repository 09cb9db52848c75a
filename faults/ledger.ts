import type { FaultName } from './wire.ts';

/** One request as the ground truth knows it. */
export interface LedgerEntry {
  seq: number;
  trace_id: string;
  request_id: string;
  /** Epoch milliseconds at which the request arrived. */
  ts: number;
  status: number;
  latency_ms: number;
  faults: FaultName[];
}

export const DEFAULT_LEDGER_CAPACITY = 200_000;

/**
 * The ledger: for every request, its trace id, the faults that really fired on it,
 * its status and latency. Kept in memory (bounded), read through the admin API with a
 * sequence or time cursor. It is the harness's ground truth and never enters a span.
 */
export class Ledger {
  private readonly entries: LedgerEntry[] = [];
  private nextSeq = 1;
  private dropped = 0;
  private readonly capacity: number;

  constructor(capacity = DEFAULT_LEDGER_CAPACITY) {
    this.capacity = capacity;
  }

  append(e: Omit<LedgerEntry, 'seq'>): LedgerEntry {
    const entry = { seq: this.nextSeq++, ...e };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.dropped++;
    }
    return entry;
  }

  /** Entries after sequence `after` (exclusive) or from time `sinceTs`, oldest first. */
  read(opts: { after?: number; sinceTs?: number; limit: number }): { entries: LedgerEntry[]; next: number; dropped: number } {
    const out: LedgerEntry[] = [];
    for (const e of this.entries) {
      if (opts.after !== undefined && e.seq <= opts.after) continue;
      if (opts.sinceTs !== undefined && e.ts < opts.sinceTs) continue;
      out.push(e);
      if (out.length >= opts.limit) break;
    }
    return { entries: out, next: out.at(-1)?.seq ?? opts.after ?? 0, dropped: this.dropped };
  }

  get size(): number {
    return this.entries.length;
  }
}
