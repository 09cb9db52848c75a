/**
 * What the soak judges, as pure functions of what it measured: traces lost, ledger against
 * Tempo, each process's memory growth over the steady part, and the latency trend of
 * unfaulted requests over it.
 */
import { bootstrapCI, median, type StatInterval } from '../assertions/stats.ts';
import type { LedgerEntry } from '../faults/ledger.ts';

export interface LedgerVsTempo {
  ledger: number;
  tempo: number;
  /** In the ledger, not in Tempo: traces lost. */
  missing: string[];
  /** In Tempo's run window, not in the ledger (another client's request, or a ledger that dropped entries). */
  unknown: string[];
}

export function ledgerVsTempo(ledgerIds: readonly string[], tempoIds: ReadonlySet<string>): LedgerVsTempo {
  const l = new Set(ledgerIds);
  return {
    ledger: l.size,
    tempo: tempoIds.size,
    missing: [...l].filter((id) => !tempoIds.has(id)),
    unknown: [...tempoIds].filter((id) => !l.has(id)),
  };
}

/** One RSS sample per process: seconds from the load's start, MiB by process name. */
export interface RssSample { t_s: number; mb: Record<string, number> }

export interface RssGrowth {
  process: string;
  /** Mean RSS over the first minute of the steady part, and over the last minute of the run. */
  start_mb: number;
  end_mb: number;
  growth: number;
  pass: boolean;
}

/** Per process, the growth of its mean RSS from the steady part's first minute to the run's last. */
export function rssGrowth(samples: readonly RssSample[], fromS: number, endS: number, maxGrowth: number): RssGrowth[] {
  const names = new Set(samples.flatMap((s) => Object.keys(s.mb)));
  const meanIn = (name: string, a: number, b: number) => {
    const xs = samples.filter((s) => s.t_s >= a && s.t_s < b && s.mb[name] !== undefined).map((s) => s.mb[name]!);
    return xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : NaN;
  };
  return [...names].sort().map((process) => {
    const start_mb = meanIn(process, fromS, fromS + 60);
    const end_mb = meanIn(process, endS - 60, endS + 1);
    const growth = end_mb / start_mb - 1;
    return { process, start_mb, end_mb, growth, pass: Number.isFinite(growth) && growth <= maxGrowth };
  });
}

export interface LatencyTrend {
  /** Median latency of unfaulted requests, per minute of the steady part. */
  minutes: { minute: number; median_ms: number; n: number }[];
  /** Least-squares slope of those medians, ms per minute. */
  slope_ms_per_min: number;
  /** The rise the slope predicts over the steady part, relative to its median, with a 95% interval (minutes resampled). */
  rise: StatInterval;
  pass: boolean;
}

/** Unfaulted: no fault fired for it, and it arrived outside every fault window and its settle time. */
export function unfaultedEntries(entries: readonly LedgerEntry[], windows: readonly { on_ms: number; off_ms: number }[], settleMs: number): LedgerEntry[] {
  return entries.filter((e) => e.faults.length === 0 && e.status === 200 && !windows.some((w) => e.ts >= w.on_ms && e.ts < w.off_ms + settleMs));
}

function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}

/**
 * A rising trend is one whose predicted rise over the steady part is, at the upper end of
 * its interval, more than maxRise of the median: per-minute medians are fitted, and the
 * minutes are resampled (pairs bootstrap), so a single slow minute widens the interval
 * rather than deciding alone.
 */
export function latencyTrend(entries: readonly LedgerEntry[], startMs: number, fromMinute: number, maxRise: number): LatencyTrend {
  const by = new Map<number, number[]>();
  for (const e of entries) {
    const minute = Math.floor((e.ts - startMs) / 60_000);
    if (minute >= fromMinute) by.set(minute, [...(by.get(minute) ?? []), e.latency_ms]);
  }
  const minutes = [...by].sort(([a], [b]) => a - b).map(([minute, xs]) => ({ minute, median_ms: median(xs), n: xs.length }));
  if (minutes.length < 3) throw new RangeError(`a trend needs at least 3 minutes of unfaulted requests, got ${minutes.length}`);
  const points = minutes.map((m) => ({ x: m.minute, y: m.median_ms }));
  const level = median(points.map((p) => p.y));
  const span = points.at(-1)!.x - points[0]!.x;
  const riseOf = (idx: readonly number[]) => (slope(idx.map((i) => points[i]!)) * span) / level;
  const rise = bootstrapCI(points.map((_, i) => i), riseOf);
  return { minutes, slope_ms_per_min: slope(points), rise, pass: rise.high <= maxRise };
}

/** One stage's part in the latency trend: reported beside the check, not judged. */
export interface StageTrend {
  /** The stage's row as the verdict names it (assertions/verdict/stages.ts, stageKey). */
  stage: string;
  /** Median duration in the first and the last minute of the steady part (ms). */
  first_ms: number;
  last_ms: number;
  /** Least-squares slope of the per-minute medians, ms per minute. */
  slope_ms_per_min: number;
  /** Spans measured over the steady part. */
  n: number;
}

/**
 * Where a latency trend lives: for each stage, the slope of its per-minute median duration
 * over the same minutes as the trend, from a sample of the unfaulted requests' traces. The
 * stages nest (a request's root holds every other), so the deepest stage whose slope is
 * about the root's is where the time went. Stages measured in fewer than 3 minutes are left out.
 */
export function stageTrends(samples: readonly { minute: number; durations: Readonly<Record<string, number[]>> }[], fromMinute: number): StageTrend[] {
  const by = new Map<string, Map<number, number[]>>();
  for (const s of samples) {
    if (s.minute < fromMinute) continue;
    for (const [stage, ds] of Object.entries(s.durations)) {
      let m = by.get(stage);
      if (!m) by.set(stage, (m = new Map()));
      m.set(s.minute, (m.get(s.minute) ?? []).concat(ds));
    }
  }
  const out: StageTrend[] = [];
  for (const [stage, m] of by) {
    const minutes = [...m].sort(([a], [b]) => a - b).map(([x, ds]) => ({ x, y: median(ds), n: ds.length }));
    if (minutes.length < 3) continue;
    out.push({ stage, first_ms: minutes[0]!.y, last_ms: minutes.at(-1)!.y, slope_ms_per_min: slope(minutes), n: minutes.reduce((a, p) => a + p.n, 0) });
  }
  return out.sort((a, b) => b.slope_ms_per_min - a.slope_ms_per_min);
}
