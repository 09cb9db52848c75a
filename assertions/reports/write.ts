import fs from 'node:fs';
import path from 'node:path';
import { POLICY_SET_COLUMNS, policySetRows } from '../sampling/lab/table.ts';
import { dashboardLines } from '../verdict/dashboard.ts';
import { SEED_QUEUE_POLICY_MS, type QueueDistribution } from '../verdict/queue-ratio.ts';
import type { ScenarioVerdict } from './types.ts';
import { textWaterfall } from './waterfall.ts';

const pct = (x: number | null): string => (x === null ? '   n/a' : `${(x * 100).toFixed(1).padStart(5)}%`);
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Writes verdict.json, report.html and junit.xml under reports/<scenario>/, newest at fixed names. */
export function writeReports(v: ScenarioVerdict, root: string): string {
  const dir = path.join(root, v.scenario);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'verdict.json'), `${JSON.stringify(v, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'report.html'), html(v));
  fs.writeFileSync(path.join(dir, 'junit.xml'), junit(v));
  return dir;
}

export function terminalTable(v: ScenarioVerdict): string {
  const lines = [
    `scenario ${v.scenario}${v.short ? ' (short)' : ''}: ${v.pass ? 'PASS' : 'FAIL'}   ${v.requests} requests, ${v.faulted} faulted, ${v.duration_s.toFixed(1)} s, device ${v.device}`,
    `  ${'fault'.padEnd(18)} ${'faulted'.padStart(7)} ${'matched'.padStart(7)} ${'recall'.padStart(7)} ${'precis.'.padStart(7)} ${'kept(h)'.padStart(7)} ${'kept(seed)'.padStart(10)}`,
    ...v.per_fault.map((f) => `  ${f.fault.padEnd(18)} ${String(f.faulted).padStart(7)} ${String(f.matched).padStart(7)}  ${pct(f.recall)}  ${pct(f.precision)}  ${pct(f.survival_faulted)}     ${pct(f.survival_faulted_seed)}`),
    ...Object.entries(v.baseline_matches ?? {}).map(([f, n]) => `  ${f.padEnd(18)} detection matches in the control run: ${n}`),
    `  unfaulted kept by the 3% baseline: ${pct(v.kept_unfaulted.ratio)} of ${v.kept_unfaulted.unfaulted} (expected ${pct(v.kept_unfaulted.expected_ratio)}); retention of all traces: harness ${pct(v.retention.harness)}, seed ${pct(v.retention.seed)}`,
  ];
  for (const f of v.per_fault) if (f.queue) lines.push(...queueLines(f.queue, f.recall_mode === 'measured'));
  if (v.kept_whole.checked) lines.push(`  kept faulted traces complete (every span of tenant full): ${v.kept_whole.checked - v.kept_whole.split} of ${v.kept_whole.checked}`);
  if (v.dashboard) lines.push(...dashboardLines(v.dashboard, v.per_fault));
  const cc = v.sampling_cross_check;
  const labHeld = Object.entries(cc.tempo_kept_lab ?? {});
  const held = cc.tempo_kept_seed + cc.tempo_kept_harness + labHeld.reduce((a, [, n]) => a + n, 0);
  lines.push(`  collector says it kept ${cc.collector_sampled_total} traces; Tempo holds ${cc.tempo_kept_seed} (seed) + ${cc.tempo_kept_harness} (harness)${labHeld.map(([k, n]) => ` + ${n} (${k})`).join('')} = ${held}: ${cc.match ? 'match' : 'MISMATCH'}`);
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

const quants = (r: Record<string, number>): string => Object.entries(r).map(([k, x]) => `${k} ${x}`).join(', ');

/** The queue against the forward pass, and what the seed's query could and could not see. */
export function queueLines(q: QueueDistribution, measured: boolean): string[] {
  return [
    `  queued requests (${q.measured} measured): queue_wait_ms ${quants(q.queue_wait_ms)}; forward_pass_ms ${quants(q.forward_pass_ms)}; ratio ${quants(q.ratio)}`,
    `  waits no longer than their own forward pass (the seed's query cannot see them): ${q.not_longer_than_forward} of ${q.measured}; ` +
      `waits >= ${SEED_QUEUE_POLICY_MS} ms (the seed's queue policy): ${q.over_seed_queue_policy}` +
      (measured ? '; recall is reported as it is for this pattern, not judged' : ''),
  ];
}

function junit(v: ScenarioVerdict): string {
  const cases = v.per_fault.map((f) => {
    const fails = v.failures.filter((m) => m.path.startsWith(`${f.fault}.`));
    return `    <testcase classname="scenario.${v.scenario}" name="${f.fault}: surfaces (recall ${f.recall.toFixed(3)}, precision ${f.precision.toFixed(3)}) and survives (${f.survival_faulted.toFixed(3)})">` +
      (fails.length ? `<failure message="${esc(fails.map((m) => `${m.path}: expected ${m.expected}, got ${m.actual}`).join('; '))}"/>` : '') + '</testcase>';
  });
  const rest = v.failures.filter((m) => !v.per_fault.some((f) => m.path.startsWith(`${f.fault}.`)));
  cases.push(`    <testcase classname="scenario.${v.scenario}" name="control and baseline sampling">` +
    (rest.length ? `<failure message="${esc(rest.map((m) => `${m.path}: expected ${m.expected}, got ${m.actual}`).join('; '))}"/>` : '') + '</testcase>');
  const failures = cases.filter((c) => c.includes('<failure')).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="scenario-${v.scenario}" tests="${cases.length}" failures="${failures}" time="${v.duration_s.toFixed(1)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}

function html(v: ScenarioVerdict): string {
  const rows = v.waterfall?.rows ?? [];
  const total = rows[0]?.durationMs || 1;
  const bars = rows.map((r) => `<tr><td style="padding-left:${r.depth * 16}px">${esc(r.name)}<br><small>${esc(r.service)}</small></td>` +
    `<td class="bar"><div style="margin-left:${(r.startMs / total) * 100}%;width:${Math.max(0.5, (r.durationMs / total) * 100)}%" class="${r.error ? 'err' : ''}"></div></td>` +
    `<td>${r.durationMs.toFixed(1)} ms</td><td>${esc(r.notes.join(', '))}</td></tr>`).join('\n');
  const faults = v.per_fault.map((f) => `<tr><td>${f.fault}</td><td><code>${esc(f.detection_query)}</code></td><td>${f.faulted}</td><td>${f.matched}</td><td>${pct(f.recall)}</td><td>${pct(f.precision)}</td><td>${pct(f.survival_faulted)}</td><td>${pct(f.survival_faulted_seed)}</td></tr>`).join('\n');
  const stages = v.stages.map((s) => `<tr><td>${esc(s.stage)}</td><td>${s.unfaulted_median_ms?.toFixed(1) ?? 'n/a'}</td><td>${s.faulted_median_ms?.toFixed(1) ?? 'n/a'}</td></tr>`).join('\n');
  const fails = v.failures.map((m) => `<li><code>${esc(m.path)}</code>: expected ${esc(m.expected)}, got ${esc(m.actual)}</li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(v.scenario)}: ${v.pass ? 'PASS' : 'FAIL'}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.bar{width:420px}.bar div{height:14px;background:#4a7bd0;border-radius:2px}.bar div.err{background:#c0392b}.pass{color:#1e8449}.fail{color:#c0392b}code{font-size:90%}</style></head><body>
<h1>${esc(v.scenario)} <span class="${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'}</span></h1>
<p><em>${esc(v.question)}</em></p>
<p>${v.requests} requests, ${v.faulted} faulted, ${v.duration_s.toFixed(1)} s, execution provider <b>${esc(v.device)}</b>. Unfaulted traces kept by the baseline: ${pct(v.kept_unfaulted.ratio)} (expected ${pct(v.kept_unfaulted.expected_ratio)}). Retention of all traces: harness ${pct(v.retention.harness)}, seed ${pct(v.retention.seed)}.</p>
${fails ? `<h2>Failed criteria</h2><ul>${fails}</ul>` : ''}
${v.policy_sets ? `<h2>Policy sets side by side</h2><table><tr>${POLICY_SET_COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${policySetRows(v.policy_sets).map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}</table>` : ''}
<h2>Surfaced and survived</h2><table><tr><th>fault</th><th>detection query</th><th>faulted</th><th>matched</th><th>recall</th><th>precision</th><th>kept (harness)</th><th>kept (seed)</th></tr>${faults}</table>
${v.per_fault.filter((f) => f.queue).map((f) => `<h2>Queue wait against forward pass</h2><pre>${esc(queueLines(f.queue!, f.recall_mode === 'measured').join('\n'))}</pre>`).join('')}
${v.dashboard ? `<h2>What the dashboard said</h2><p>Prometheus's alerts (docker/prometheus/rules.yml) during the run, beside the traces the detection query found. Not judged.</p><pre>${esc(dashboardLines(v.dashboard, v.per_fault).join('\n'))}</pre>` : ''}
<h2>Per-stage latency (median span duration, ms)</h2><table><tr><th>stage</th><th>unfaulted</th><th>faulted</th></tr>${stages}</table>
<h2>Slowest faulted trace${v.waterfall ? ` <code>${v.waterfall.trace_id}</code> (${esc(v.waterfall.faults.join(', '))})` : ''}</h2>
<table>${bars || '<tr><td>no faulted trace</td></tr>'}</table>
</body></html>
`;
}
