/** The policy sets side by side, one row each: the same columns in the terminal, report.html and lab.md. */
import type { SetFigures } from './measure.ts';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const kb = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;

export const POLICY_SET_COLUMNS = [
  'set', 'survival (lowest fault)', 'retention warm-up', 'retention fault phase', 'spans stored (share of full)', 'bytes stored (share of full)', 'kept whole', 'kept faulted by policy',
];

export function policySetRows(sets: SetFigures[]): string[][] {
  return sets.map((s) => [
    s.set,
    `${pct(s.survival_min)}${Object.entries(s.survival).map(([f, x]) => ` ${f} ${x!.kept}/${x!.faulted}`).join(',')}`,
    pct(s.retention.warmup),
    pct(s.retention.fault),
    `${s.stored.spans} (${pct(s.stored.spans_share_of_full)})`,
    `${kb(s.stored.bytes)} (${pct(s.stored.bytes_share_of_full)})`,
    `${s.kept_whole.checked - s.kept_whole.split}/${s.kept_whole.checked}`,
    Object.entries(s.kept_by_policy).sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${n}`).join(', ') || '-',
  ]);
}

export const COVERAGE_COLUMNS = [
  'set', 'retention fault phase', 'whole traces/min per fault (kept whole / occurred)', 'errors kept', 'bytes stored (share of full)', 'goal',
];

/** Per set: the fault phase's retention, each fault's whole traces per minute, errors, bytes, and the goal's verdict. */
export function coverageRows(sets: SetFigures[]): string[][] {
  return sets.map((s) => [
    s.set,
    pct(s.coverage.retention_fault),
    Object.entries(s.coverage.per_class).map(([f, x]) => `${f} ${x!.kept_whole_per_min.toFixed(1)}/min (${x!.kept_whole}/${x!.occurred})`).join(', ') || '-',
    `${s.coverage.errors.kept}/${s.coverage.errors.occurred}`,
    `${kb(s.stored.bytes)} (${pct(s.stored.bytes_share_of_full)})`,
    s.goal.met ? 'met' : `missed: ${s.goal.missed.join('; ')}`,
  ]);
}

/** Each fault's intensity in a run, from the ledger: the share of the fault phase's requests it acted on. */
export function intensityLine(sets: SetFigures[]): string {
  const c = sets[0]?.coverage;
  if (!c) return 'no set measured';
  const per = Object.entries(c.per_class).map(([f, x]) => `${f} ${x!.occurred} (${pct(x!.intensity)})`).join(', ');
  return `Fault phase: ${c.fault_phase_s} s, ${c.fault_phase_requests} requests; faulted: ${per || 'none (no fault)'}; errors: ${c.errors.occurred}.`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
}
