/**
 * The ledger: for every request, its trace id, its status and latency as the caller
 * saw them, and the faults that really fired on it. The requests are written by the
 * gateway's request log; the faults come from each service's fired log (fired.ts),
 * joined on the trace id when the ledger is read. It is the harness's ground truth and
 * never enters a span.
 */
import type { FiredRecord } from './fired.ts';

/** One request as the ground truth knows it. */
export interface LedgerEntry {
  seq: number;
  trace_id: string;
  request_id: string;
  /** Epoch milliseconds at which the request arrived. */
  ts: number;
  status: number;
  latency_ms: number;
  faults: string[];
}

export type RequestRecord = Omit<LedgerEntry, 'seq' | 'faults'>;

export const DEFAULT_LEDGER_CAPACITY = 200_000;

export class Ledger {
  private readonly entries: Omit<LedgerEntry, 'faults'>[] = [];
  /** trace id -> faults that fired on it, in the order the logs were read. */
  private readonly fired = new Map<string, Set<string>>();
  private nextSeq = 1;
  private dropped = 0;
  private readonly capacity: number;

  constructor(capacity = DEFAULT_LEDGER_CAPACITY) {
    this.capacity = capacity;
  }

  append(e: RequestRecord): void {
    this.entries.push({ seq: this.nextSeq++, ...e });
    if (this.entries.length > this.capacity) {
      this.fired.delete(this.entries.shift()!.trace_id);
      this.dropped++;
    }
  }

  /** Faults recorded by a service's mechanisms. */
  addFired(records: readonly FiredRecord[]): void {
    for (const r of records) {
      let set = this.fired.get(r.trace_id);
      if (!set) {
        set = new Set();
        this.fired.set(r.trace_id, set);
        // Bounded like the requests: a trace id that never reaches the ledger ages out.
        if (this.fired.size > 2 * this.capacity) this.fired.delete(this.fired.keys().next().value as string);
      }
      set.add(r.fault);
    }
  }

  /** Entries after sequence `after` (exclusive) or from time `sinceTs`, oldest first. */
  read(opts: { after?: number; sinceTs?: number; limit: number }): { entries: LedgerEntry[]; next: number; dropped: number } {
    const out: LedgerEntry[] = [];
    for (const e of this.entries) {
      if (opts.after !== undefined && e.seq <= opts.after) continue;
      if (opts.sinceTs !== undefined && e.ts < opts.sinceTs) continue;
      out.push({ ...e, faults: [...(this.fired.get(e.trace_id) ?? [])].sort() });
      if (out.length >= opts.limit) break;
    }
    return { entries: out, next: out.at(-1)?.seq ?? opts.after ?? 0, dropped: this.dropped };
  }

  get size(): number {
    return this.entries.length;
  }
}
