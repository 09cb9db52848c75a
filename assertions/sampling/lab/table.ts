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

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
}
