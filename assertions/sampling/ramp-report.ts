/**
 * The ramp's report: the steps as the ledger and the fault's counter saw them, and each
 * alert's lead time and false alarms; its claims, each of which can fail.
 */
import type { RampResult } from './ramp.ts';

export interface RampClaim {
  claim: string;
  holds: boolean;
  detail: string;
}

const pct = (x: number | null): string => (x === null ? 'never' : `${(x * 100).toFixed(0)}%`);
const secs = (x: number | null): string => (x === null ? 'never' : `${x.toFixed(0)} s`);

/**
 * What the ramp must show: the fault really ran at every step, and the harness's own
 * revalidation rule (its recommendation) raised no false alarm in the no-fault phase and
 * fired during the ramp. The seed's rule and the classic ones are reported, not judged.
 */
export function rampClaims(r: RampResult): RampClaim[] {
  const ownRules = r.alerts.filter((a) => a.source === 'harness');
  return [
    {
      claim: 'every ramp step really corrupted outputs',
      holds: r.steps.every((s) => s.outputs_corrupted > 0),
      detail: r.steps.map((s) => `${pct(s.corruption_rate)}: ${s.outputs_corrupted} of ${s.requests}`).join(', '),
    },
    {
      claim: 'the harness\'s rules raised no false alarm in the no-fault phase',
      holds: ownRules.length > 0 && ownRules.every((a) => a.calm_firing === 0),
      detail: ownRules.map((a) => `${a.alert}: ${a.calm_firing} of ${r.calm_evaluations} calm evaluations firing`).join('; ') || 'no rule with source=harness loaded',
    },
    {
      claim: 'the harness\'s rules fired during the ramp',
      holds: ownRules.length > 0 && ownRules.every((a) => a.lead_s !== null),
      detail: ownRules.map((a) => `${a.alert}: ${secs(a.lead_s)} after the ramp's start`).join('; ') || 'no rule with source=harness loaded',
    },
  ];
}

export function rampMarkdown(r: RampResult, claims: RampClaim[], short: boolean): string {
  const lines = [
    `# Early warning as lead time: a corruption ramp${short ? ' (short run)' : ''}`, '',
    `${r.rate} requests/s throughout: ${r.calm_s} s with no fault (each alert's false alarms: ${r.calm_evaluations} rule evaluations), ` +
      `then output corruption in steps of ${r.step_s} s. Lead time counts from the first corrupted step's start to the first firing evaluation ` +
      '(rules are evaluated every 2 s, docker/prometheus/rules.yml; no rule has a `for:` clause, so these are the earliest times the rules could fire).', '',
    '| step | corruption | requests | outputs corrupted | HTTP 5xx |', '|---|---|---|---|---|',
    ...r.steps.map((s, i) => `| ${i + 1} | ${pct(s.corruption_rate)} | ${s.requests} | ${s.outputs_corrupted} | ${s.http_5xx} |`), '',
    '| alert | source | false alarms (no-fault phase) | lead time | fired during the step at |', '|---|---|---|---|---|',
    ...r.alerts.map((a) => `| ${a.alert} | ${a.source ?? ''} | ${a.calm_firing} of ${r.calm_evaluations} | ${secs(a.lead_s)} | ${a.lead_s === null ? 'never' : a.at_corruption === null ? 'after the last step' : pct(a.at_corruption)} |`), '',
    `First HTTP 5xx in the ledger: during the step at ${pct(r.first_5xx_at_corruption)}.`, '',
    '## Claims', '',
    ...claims.map((c) => `- ${c.holds ? 'holds' : '**FAILS**'}: ${c.claim} (${c.detail})`), '',
  ];
  return lines.join('\n');
}
