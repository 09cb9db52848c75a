import fs from 'node:fs';
import path from 'node:path';
import { policySetRows } from '../sampling/lab/table.ts';
import { dashboardLines } from '../verdict/dashboard.ts';
import { loadReportAssets } from './assets.ts';
import { renderReport } from './html.ts';
import { writeIndex } from './index-page.ts';
import { coverageLines } from './coverage-lines.ts';
import { queueLines } from './queue-lines.ts';
import type { ReportData } from './report-data.ts';
import type { ScenarioVerdict } from './types.ts';
import { textWaterfall } from './waterfall.ts';

export { queueLines };

const pct = (x: number | null): string => (x === null ? '   n/a' : `${(x * 100).toFixed(1).padStart(5)}%`);
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Writes verdict.json, report-data.json (when the run collected it), report.html and
 * junit.xml under reports/<scenario>/, newest at fixed names, and rewrites reports/index.html.
 */
export function writeReports(v: ScenarioVerdict, root: string, data?: ReportData): string {
  const dir = path.join(root, v.scenario);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'verdict.json'), `${JSON.stringify(v, null, 2)}\n`);
  if (data) fs.writeFileSync(path.join(dir, 'report-data.json'), `${JSON.stringify(data)}\n`);
  else fs.rmSync(path.join(dir, 'report-data.json'), { force: true });
  fs.writeFileSync(path.join(dir, 'report.html'), renderReport(v, data, loadReportAssets()));
  fs.writeFileSync(path.join(dir, 'junit.xml'), junit(v));
  writeIndex(root);
  return dir;
}

export function terminalTable(v: ScenarioVerdict): string {
  const lines = [
    `scenario ${v.scenario}${v.short ? ' (short)' : ''}: ${v.pass ? 'PASS' : 'FAIL'}   ${v.requests} requests, ${v.faulted} faulted, ${v.duration_s.toFixed(1)} s, device ${v.device}`,
    // kept(h) and kept(seed): survival under each set, reported; coverage (below) is judged.
    `  ${'fault'.padEnd(18)} ${'faulted'.padStart(7)} ${'matched'.padStart(7)} ${'recall'.padStart(7)} ${'precis.'.padStart(7)} ${'kept(h)'.padStart(7)} ${'kept(seed)'.padStart(10)}`,
    ...v.per_fault.map((f) => `  ${f.fault.padEnd(18)} ${String(f.faulted).padStart(7)} ${String(f.matched).padStart(7)}  ${pct(f.recall)}  ${pct(f.precision)}  ${pct(f.survival_faulted)}     ${pct(f.survival_faulted_seed)}`),
    ...Object.entries(v.baseline_matches ?? {}).map(([f, n]) => `  ${f.padEnd(18)} detection matches in the control run: ${n}`),
    `  unfaulted kept by the 3% baseline: ${pct(v.kept_unfaulted.ratio)} of ${v.kept_unfaulted.unfaulted} (expected ${pct(v.kept_unfaulted.expected_ratio)} to ${pct(v.kept_unfaulted.expected_ratio_max)}); ` +
      `retention of all traces: harness ${pct(v.retention.harness)}, seed ${pct(v.retention.seed)}; of the fault phase: harness ${pct(v.retention_fault_phase.harness)}, seed ${pct(v.retention_fault_phase.seed)}`,
    ...coverageLines(v.coverage),
  ];
  for (const f of v.per_fault) if (f.queue) lines.push(...queueLines(f.queue, f.recall_mode === 'measured'));
  if (v.kept_whole.checked) lines.push(`  kept faulted traces complete (every span of tenant full): ${v.kept_whole.checked - v.kept_whole.split} of ${v.kept_whole.checked}`);
  if (v.dashboard) lines.push(...dashboardLines(v.dashboard, v.per_fault));
  const cc = v.sampling_cross_check;
  if (cc) {
    const labHeld = Object.entries(cc.tempo_kept_lab ?? {});
    const held = cc.tempo_kept_seed + cc.tempo_kept_harness + labHeld.reduce((a, [, n]) => a + n, 0);
    lines.push(`  collector says it kept ${cc.collector_sampled_total} traces; Tempo holds ${cc.tempo_kept_seed} (seed) + ${cc.tempo_kept_harness} (harness)${labHeld.map(([k, n]) => ` + ${n} (${k})`).join('')} = ${held}: ${cc.match ? 'match' : 'MISMATCH'}`);
  }
  if (v.not_measured?.length) lines.push(`  not measured on this stack (${v.stack ?? 'local'}):`, ...v.not_measured.map((n) => `    ${n.what}: ${n.why}`));
  if (v.policy_sets) {
    lines.push('  policy sets side by side (POLICIES=...):');
    for (const r of policySetRows(v.policy_sets)) lines.push(`    ${r[0]!.padEnd(22)} survival ${r[1]}; retention warm-up ${r[2]}, fault ${r[3]}; stored ${r[4]} spans, ${r[5]}; whole ${r[6]}; kept by ${r[7]}`);
  }
  const spent = Object.entries(v.timings);
  if (spent.length) lines.push(`  where the time went (ms): ${spent.map(([k, ms]) => `${k.replace(/_ms$/, '')} ${ms}`).join(', ')}`);
  if (v.failures.length) lines.push('  failed:', ...v.failures.map((m) => `    ${m.path}: expected ${m.expected}, got ${m.actual}`));
  if (v.waterfall) lines.push(`\n  slowest faulted trace ${v.waterfall.trace_id} (${v.waterfall.faults.join(', ')}):`, textWaterfall(v.waterfall.rows).replace(/^/gm, '    '));
  return lines.join('\n');
}

function junit(v: ScenarioVerdict): string {
  const cases = v.per_fault.map((f) => {
    const fails = v.failures.filter((m) => m.path.startsWith(`${f.fault}.`));
    const c = v.coverage.per_class[f.fault];
    const covered = c ? `${c.kept_whole} whole of ${c.required} required` : 'not measured';
    return `    <testcase classname="scenario.${v.scenario}" name="${f.fault}: surfaces (recall ${f.recall.toFixed(3)}, precision ${f.precision.toFixed(3)}) and is covered by the harness set (${covered}; survival ${f.survival_faulted.toFixed(3)}, seed ${f.survival_faulted_seed.toFixed(3)})">` +
      (fails.length ? `<failure message="${esc(fails.map((m) => `${m.path}: expected ${m.expected}, got ${m.actual}`).join('; '))}"/>` : '') + '</testcase>';
  });
  const rest = v.failures.filter((m) => !v.per_fault.some((f) => m.path.startsWith(`${f.fault}.`)));
  cases.push(`    <testcase classname="scenario.${v.scenario}" name="control, baseline sampling and errors kept">` +
    (rest.length ? `<failure message="${esc(rest.map((m) => `${m.path}: expected ${m.expected}, got ${m.actual}`).join('; '))}"/>` : '') + '</testcase>');
  // What the stack could not measure is a skipped case with its reason, never a passed one.
  for (const n of v.not_measured ?? []) cases.push(`    <testcase classname="scenario.${v.scenario}" name="not measured: ${esc(n.what)}"><skipped message="${esc(n.why)}"/></testcase>`);
  const failures = cases.filter((c) => c.includes('<failure')).length;
  const skipped = cases.filter((c) => c.includes('<skipped')).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="scenario-${v.scenario}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${v.duration_s.toFixed(1)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
