/**
 * Early warning as lead time: output corruption rising step by step (the seed's "5%, then
 * 10%, then 20%"), after a calm phase with no fault. Prometheus evaluates the alert rules
 * the whole time (docker/prometheus/rules.yml); afterwards its ALERTS series say when each
 * rule first fired, counted from the ramp's start, and at which corruption step. The calm
 * phase gives each rule's false alarms in a no-fault run.
 */
import { HarnessError } from '../scenario/errors.ts';
import { runLoad, type Testbed } from '../scenario/testbed.ts';
import { PrometheusClient } from '../prometheus/client.ts';
import { ALERT_STEP_S, whatTheDashboardSaid, type AlertSeen } from '../verdict/dashboard.ts';
import type { RampConfig } from './config.ts';
import { ownEndpoint } from '../../stack/provider.ts';

const WAIT_MS = 60_000;

export interface RampStep {
  corruption_rate: number;
  /** Unix seconds. */
  start: number;
  end: number;
  requests: number;
  http_5xx: number;
  outputs_corrupted: number;
}

export interface RampAlert {
  alert: string;
  /** Where the rule comes from: the seed's text, a classic dashboard rule, or the harness's recommendation. */
  source?: string;
  /** Firing evaluations while no fault was on (each a false alarm), of `calm_evaluations`. */
  calm_firing: number;
  /** Seconds from the ramp's start (first corrupted step) to the first firing evaluation after it; null: never fired. */
  lead_s: number | null;
  /** The corruption rate of the step during which it first fired (null: never, or after the last step). */
  at_corruption: number | null;
}

export interface RampResult {
  calm_s: number;
  step_s: number;
  rate: number;
  steps: RampStep[];
  /** Unix seconds: the calm phase's start, the ramp's start, the last step's end. */
  calm_start: number;
  ramp_start: number;
  ramp_end: number;
  /** Rule evaluations during the calm phase (its length over the evaluation interval). */
  calm_evaluations: number;
  alerts: RampAlert[];
  /** The first step with an HTTP 5xx, as the ledger saw it (null: none). */
  first_5xx_at_corruption: number | null;
}

/** First firing after the ramp's start, per rule, and the calm phase's firing evaluations. */
export function rampAlerts(rules: { name: string; source?: string }[], seen: AlertSeen[], r: Pick<RampResult, 'steps' | 'ramp_start' | 'calm_start'>): RampAlert[] {
  return rules.map((rule) => {
    const mine = seen.filter((a) => a.alert === rule.name);
    const calm = mine.reduce((n, a) => n + a.firing_evaluations['warm-up'], 0);
    // The ramp is the "fault phase" given to alertsFrom: lead time is the first firing
    // evaluation at or after its start, over every series of the rule.
    const after = mine.map((a) => a.first_since_fault_s).filter((s): s is number => s !== null);
    const lead = after.length ? Math.min(...after) : null;
    const at = lead === null ? null : r.steps.find((s) => r.ramp_start + lead >= s.start && r.ramp_start + lead <= s.end + ALERT_STEP_S)?.corruption_rate ?? null;
    return { alert: rule.name, ...(rule.source ? { source: rule.source } : {}), calm_firing: calm, lead_s: lead, at_corruption: at };
  });
}

export async function runRamp(tb: Testbed, cfg: RampConfig, log: (l: string) => void = console.log): Promise<RampResult> {
  const promUrl = ownEndpoint(tb.stack, 'prometheusUrl', 'the ramp');
  const prom = new PrometheusClient(promUrl);
  const rules = await prom.ruleSources();
  const corrupted = async () => (await tb.admin.status()).faults.find((f) => f.name === 'output-corruption')?.counters.outputs_corrupted ?? 0;
  const steps: RampStep[] = [];
  await tb.admin.reset();
  const runStep = async (rate: number, seconds: number, name: string, i: number): Promise<RampStep> => {
    if (rate > 0) await tb.admin.enable('output-corruption', { rate, mode: cfg.mode, seed: cfg.seed + i });
    const cursor = await tb.admin.ledgerHead();
    const before = await corrupted();
    const start = Date.now() / 1000;
    await runLoad(tb, { rate: cfg.rate, duration_s: seconds }, name);
    const entries = await tb.admin.ledgerAll(cursor);
    if (entries.length === 0) throw new HarnessError(`ramp ${name}: the ledger recorded no request`);
    return {
      corruption_rate: rate, start, end: Date.now() / 1000, requests: entries.length,
      http_5xx: entries.filter((e) => e.status >= 500).length, outputs_corrupted: (await corrupted()) - before,
    };
  };
  log(`[ramp] calm: ${cfg.rate}/s for ${cfg.calm_s} s with no fault`);
  const calm = await runStep(0, cfg.calm_s, 'k6-ramp-calm', 0);
  for (const [i, rate] of cfg.corruption_rates.entries()) {
    log(`[ramp] step ${i + 1}/${cfg.corruption_rates.length}: ${(rate * 100).toFixed(0)}% corruption for ${cfg.step_s} s`);
    // No reset between steps: the fault's rate changes, the load goes on.
    steps.push(await runStep(rate, cfg.step_s, `k6-ramp-${i + 1}`, i + 1));
  }
  await tb.admin.reset();
  const rampStart = steps[0]!.start;
  const rampEnd = steps.at(-1)!.end;
  // The ramp is the fault phase of the dashboard's reading; the calm phase its warm-up.
  const { alerts: seen } = await whatTheDashboardSaid(promUrl,
    { warmup_start: Math.floor(calm.start), fault_start: rampStart, fault_end: rampEnd }, WAIT_MS);
  return {
    calm_s: cfg.calm_s, step_s: cfg.step_s, rate: cfg.rate, steps,
    calm_start: calm.start, ramp_start: rampStart, ramp_end: rampEnd,
    calm_evaluations: Math.floor((rampStart - calm.start) / ALERT_STEP_S),
    alerts: rampAlerts(rules, seen, { steps, ramp_start: rampStart, calm_start: calm.start }),
    first_5xx_at_corruption: steps.find((s) => s.http_5xx > 0)?.corruption_rate ?? null,
  };
}
