/**
 * report-data.json: what report.html draws, taken from the real run and written beside
 * verdict.json. The verdict holds figures; this holds the points behind them: every
 * request of the ledger (time, latency, status, faults, which detection queries matched
 * its trace), and the spans of every faulted trace and of a sample of unfaulted ones.
 * Bounded so that a long run cannot make a report too big to open (the bounds below; a
 * thinned list says how many it was thinned from). Pure: unit-tested from a fixture.
 */
import type { LedgerEntry } from '../../faults/ledger.ts';
import type { OtlpTrace } from '../tempo/client.ts';
import { compactTrace, type ReportSpan } from './compact-trace.ts';

/** Requests listed at most; a full scenario has under 1,000. */
export const REPORT_MAX_REQUESTS = 5_000;
/** Faulted traces embedded at most (about 5 kB each as JSON); every full scenario has fewer. */
export const REPORT_MAX_FAULTED_TRACES = 800;
/** Unfaulted traces embedded, evenly spaced over the run: the comparison, not the population. */
export const REPORT_UNFAULTED_TRACES = 40;
export const REPORT_DATA_VERSION = 1;

export interface ReportRequest {
  trace_id: string;
  /** Seconds from the run's first request. */
  t_s: number;
  latency_ms: number;
  status: number;
  faults: string[];
  /** Faults whose detection query matched this request's trace in tenant full. */
  matched: string[];
}

/** A request of the run with its whole trace as tenant full returned it. */
export interface ReportTrace extends ReportRequest {
  /** Resource attributes of each service that wrote spans of the trace. */
  resources: Record<string, Record<string, string | number | boolean>>;
  spans: ReportSpan[];
}

export interface Thinned<T> {
  /** How many there were; `items` holds all of them, or an evenly spaced subset when over the bound. */
  total: number;
  items: T[];
}

export interface ReportData {
  version: number;
  scenario: string;
  short: boolean;
  /** Epoch ms of the run's first request (the warm-up's start), and the phases' lengths. */
  phases: { start_ms: number; warmup_s: number; fault_s: number };
  /** The faults the scenario turned on (none: the control run). */
  faults: string[];
  /** The detection query of each fault that was asked of tenant full. */
  detection: Record<string, string>;
  requests: Thinned<ReportRequest>;
  faulted_traces: Thinned<ReportTrace>;
  unfaulted_traces: Thinned<ReportTrace>;
}

export interface ReportDataInput {
  scenario: string;
  short: boolean;
  warmup_s: number;
  fault_s: number;
  faults: string[];
  detection: Record<string, string>;
  entries: LedgerEntry[];
  /** Trace ids each fault's detection query matched. */
  matched: ReadonlyMap<string, ReadonlySet<string>>;
  /** Traces from tenant full, by id: every faulted one and the unfaulted sample. */
  traces: ReadonlyMap<string, OtlpTrace | undefined>;
}

/** At most `max` of `xs`, evenly spaced, first and order kept. */
export function evenly<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  if (max <= 0) return [];
  return Array.from({ length: max }, (_, i) => xs[Math.floor((i * xs.length) / max)]!);
}

/** The unfaulted requests whose traces the report embeds (the caller fetches them). */
export function unfaultedSample(entries: readonly LedgerEntry[]): LedgerEntry[] {
  return evenly(entries.filter((e) => e.faults.length === 0), REPORT_UNFAULTED_TRACES);
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export function buildReportData(i: ReportDataInput): ReportData {
  const entries = [...i.entries].sort((a, b) => a.ts - b.ts);
  const start = entries[0]?.ts ?? 0;
  const matchedOf = (id: string) => [...i.matched].filter(([, ids]) => ids.has(id)).map(([f]) => f);
  const request = (e: LedgerEntry): ReportRequest => ({
    trace_id: e.trace_id, t_s: round((e.ts - start) / 1000), latency_ms: round(e.latency_ms), status: e.status, faults: e.faults, matched: matchedOf(e.trace_id),
  });
  const traceOf = (e: LedgerEntry): ReportTrace[] => {
    const t = i.traces.get(e.trace_id);
    if (!t) return [];
    return [{ ...request(e), ...compactTrace(t) }];
  };
  const faulted = entries.filter((e) => e.faults.length > 0);
  const unfaulted = entries.filter((e) => e.faults.length === 0 && i.traces.has(e.trace_id));
  return {
    version: REPORT_DATA_VERSION,
    scenario: i.scenario,
    short: i.short,
    phases: { start_ms: start, warmup_s: i.warmup_s, fault_s: i.fault_s },
    faults: i.faults,
    detection: i.detection,
    requests: { total: entries.length, items: evenly(entries, REPORT_MAX_REQUESTS).map(request) },
    faulted_traces: { total: faulted.length, items: evenly(faulted, REPORT_MAX_FAULTED_TRACES).flatMap(traceOf) },
    unfaulted_traces: { total: entries.length - faulted.length, items: unfaulted.flatMap(traceOf) },
  };
}
