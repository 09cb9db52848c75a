/**
 * The ground truth, recorded where it happens: each mechanism writes (trace id, fault)
 * at the moment it acts on a request, in the memory of the process it runs in. Nothing
 * of it enters a span, a header or a response; the front door reads every service's
 * log and merges it into the ledger.
 */
import { context as otelContext, trace, type Context } from '@opentelemetry/api';

export interface FiredRecord {
  seq: number;
  trace_id: string;
  fault: string;
  /** Epoch milliseconds. */
  ts: number;
}

/** What a mechanism is handed: one call per request it acted on. */
export interface FiredRecorder {
  /** The request is the one whose trace context is `ctx` (default: the active one). */
  fired(ctx?: Context): void;
}

export const DEFAULT_FIRED_CAPACITY = 400_000;

export class FiredLog {
  private readonly records: FiredRecord[] = [];
  private nextSeq = 1;
  private dropped = 0;
  /** Firings outside any request's trace context (a bug in a mechanism if ever non-zero). */
  unattributed = 0;
  private readonly capacity: number;

  constructor(capacity = DEFAULT_FIRED_CAPACITY) {
    this.capacity = capacity;
  }

  recorderFor(fault: string): FiredRecorder {
    return {
      fired: (ctx = otelContext.active()) => {
        const traceId = trace.getSpanContext(ctx)?.traceId;
        if (!traceId) {
          this.unattributed++;
          return;
        }
        this.records.push({ seq: this.nextSeq++, trace_id: traceId, fault, ts: Date.now() });
        if (this.records.length > this.capacity) {
          this.records.shift();
          this.dropped++;
        }
      },
    };
  }

  /** Records after sequence `after`, oldest first. */
  read(after: number, limit: number): { records: FiredRecord[]; next: number; dropped: number; unattributed: number } {
    // Sequence numbers are dense, so the first record after `after` is found by index.
    const firstSeq = this.records[0]?.seq ?? this.nextSeq;
    const start = Math.max(0, after + 1 - firstSeq);
    const records = this.records.slice(start, start + limit);
    return { records, next: records.at(-1)?.seq ?? after, dropped: this.dropped, unattributed: this.unattributed };
  }
}
