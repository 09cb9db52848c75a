/**
 * What the dashboard said: which of Prometheus's alerts (docker/prometheus/rules.yml)
 * fired during a run, in which phase, and how long after the fault phase began. Read from
 * Prometheus's own ALERTS series, so the answer is the rule engine's, not a recomputation.
 * Nothing here is judged: the table sits beside the trace detection, as a reader's
 * comparison of what metrics alone would have said.
 */
import { METRICS_EXPORT_LAG_S, PrometheusClient, waitForPrometheusToCatchUp } from '../prometheus/client.ts';

/** The rules' evaluation interval (docker/prometheus/prometheus.yml): the resolution of every time below. */
export const ALERT_STEP_S = 2;

export interface RunPhases {
  /** Unix seconds. */
  warmup_start: number;
  fault_start: number;
  fault_end: number;
  /** When the verdict read Prometheus (after the traces arrived). */
  read_at: number;
}

export type Phase = 'warm-up' | 'fault' | 'after';

export interface AlertSeen {
  alert: string;
  /** The alert's own labels (a per-stage alert fires once per stage), without alertstate/severity/source. */
  labels: Record<string, string>;
  severity?: string;
  /** Seconds from the fault phase's start to the first firing evaluation (negative: in the warm-up). */
  first_firing_s: number;
  first_phase: Phase;
  /** Seconds from the fault phase's start to the first firing evaluation at or after it (null: none). */
  first_since_fault_s: number | null;
  /** Evaluations at which it was firing, per phase. */
  firing_evaluations: Record<Phase, number>;
}

export interface DashboardSaid {
  prometheus_url: string;
  /** Alert rules Prometheus had loaded. */
  rules: string[];
  phases: RunPhases;
  alerts: AlertSeen[];
  /** Rule names that fired at least once in the fault phase. */
  fired_in_fault_phase: string[];
  /** Rule names that fired in the warm-up, before any fault was on. */
  fired_in_warmup: string[];
}

const OWN_LABELS = new Set(['__name__', 'alertname', 'alertstate', 'severity', 'source']);

export function phaseOf(t: number, p: RunPhases): Phase {
  if (t < p.fault_start) return 'warm-up';
  return t <= p.fault_end ? 'fault' : 'after';
}

/** Turns ALERTS{alertstate="firing"} range series into one line per alert series. */
export function alertsFrom(series: { metric: Record<string, string>; values: [number, string][] }[], p: RunPhases): AlertSeen[] {
  const out: AlertSeen[] = [];
  for (const s of series) {
    const firing = s.values.filter(([, v]) => Number(v) === 1).map(([t]) => t);
    if (firing.length === 0) continue;
    const counts: Record<Phase, number> = { 'warm-up': 0, fault: 0, after: 0 };
    for (const t of firing) counts[phaseOf(t, p)]++;
    const first = Math.min(...firing);
    const sinceFault = firing.filter((t) => t >= p.fault_start);
    out.push({
      alert: s.metric.alertname ?? '(unnamed)',
      labels: Object.fromEntries(Object.entries(s.metric).filter(([k]) => !OWN_LABELS.has(k))),
      ...(s.metric.severity ? { severity: s.metric.severity } : {}),
      first_firing_s: first - p.fault_start,
      first_phase: phaseOf(first, p),
      first_since_fault_s: sinceFault.length ? Math.min(...sinceFault) - p.fault_start : null,
      firing_evaluations: counts,
    });
  }
  return out.sort((a, b) => a.first_firing_s - b.first_firing_s);
}

/**
 * Waits until Prometheus has scraped and judged everything up to the fault phase's end,
 * then reads every alert's firing evaluations from the warm-up's start until now.
 * `signal` ends the wait early (the run failed elsewhere while it waited).
 */
export async function whatTheDashboardSaid(
  prometheusUrl: string, run: Omit<RunPhases, 'read_at'>, timeoutMs: number, signal?: AbortSignal,
): Promise<DashboardSaid> {
  const prom = new PrometheusClient(prometheusUrl);
  const rules = await prom.alertRuleNames();
  await waitForPrometheusToCatchUp(prom, run.fault_end, METRICS_EXPORT_LAG_S, timeoutMs, undefined, signal);
  const phases: RunPhases = { ...run, read_at: Math.ceil(Date.now() / 1000) };
  const series = await prom.queryRange('ALERTS{alertstate="firing"}', phases.warmup_start, phases.read_at, ALERT_STEP_S);
  const alerts = alertsFrom(series, phases);
  const names = (pred: (a: AlertSeen) => boolean) => [...new Set(alerts.filter(pred).map((a) => a.alert))];
  return {
    prometheus_url: prometheusUrl,
    rules,
    phases,
    alerts,
    fired_in_fault_phase: names((a) => a.firing_evaluations.fault > 0),
    fired_in_warmup: names((a) => a.firing_evaluations['warm-up'] > 0),
  };
}

const fmtLabels = (l: Record<string, string>): string => {
  const e = Object.entries(l).filter(([k]) => !['job', 'instance'].includes(k));
  return e.length ? `{${e.map(([k, v]) => `${k}=${v}`).join(',')}}` : '';
};

/** The table's lines: every rule, whether and when it fired, beside the traces the detection found. */
export function dashboardLines(d: DashboardSaid, detected: { fault: string; faulted: number; matched: number }[]): string[] {
  const lines = [`  what the dashboard said (Prometheus alerts, ${d.rules.length} rules; times from the fault phase's start, ${ALERT_STEP_S} s resolution):`];
  for (const rule of d.rules) {
    const seen = d.alerts.filter((a) => a.alert === rule);
    if (seen.length === 0) {
      lines.push(`    ${rule.padEnd(24)} did not fire`);
      continue;
    }
    for (const a of seen) {
      const n = a.firing_evaluations;
      lines.push(`    ${`${rule}${fmtLabels(a.labels)}`.padEnd(24)} first fired at ${a.first_firing_s >= 0 ? '+' : ''}${a.first_firing_s} s (${a.first_phase}); ` +
        `firing evaluations: warm-up ${n['warm-up']}, fault ${n.fault}, after ${n.after}`);
    }
  }
  for (const f of detected) lines.push(`    traces: ${f.fault} detection query found ${f.matched} traces for ${f.faulted} faulted requests`);
  return lines;
}
