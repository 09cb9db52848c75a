/**
 * reports/index.html: one row per scenario run found under reports/ (its verdict.json),
 * with the figures a reader compares across runs, a link to each report.html, and links
 * to the sampling, ramp and bench pages where those were written. Rewritten after every
 * report; the rows are read from the files, so a run made by any command shows up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { esc, pct } from './html.ts';
import { judgeCoverage } from '../verdict/compute.ts';
import type { ScenarioVerdict } from './types.ts';

/** Folders under reports/ that hold no scenario run. */
const NOT_RUNS = new Set(['screenshots']);
/** The other pages, when their runs wrote them. */
export const OTHER_PAGES = [
  { file: 'sampling/sampling.html', label: 'tail sampling (make scenario-sampling)' },
  { file: 'sampling-lab/lab.html', label: 'your tail-sampling sets beside the seed\'s and the harness\'s (make sampling-lab)' },
  { file: 'sampling-lab/sweep/lab.html', label: 'the sampling lab\'s incident intensity sweep (make sampling-lab ARGS=--sweep)' },
  { file: 'ramp/ramp.html', label: 'alert lead time over a corruption ramp (make scenario-ramp)' },
  { file: 'bench/bench.html', label: 'benchmarks (make bench)' },
  { file: 'bench/overhead.html', label: 'tracing overhead (make bench-overhead)' },
] as const;

export interface IndexRow {
  /** The report folder, relative to the reports root (reports/test/mixed shows as test/mixed). */
  folder: string;
  pattern: string;
  pass: boolean;
  short: boolean;
  /** When its verdict.json was written (ISO). */
  written: string;
  requests: number;
  faulted: number;
  recall: number | null;
  precision: number | null;
  /** Lowest survival over the run's faults, per policy set. */
  survival: Record<string, number | null>;
  /** Share of the run's traces each set kept. */
  retention: Record<string, number>;
  /** Whether the harness set kept the run's diagnostic coverage; null for a verdict written before the verdict judged it. */
  coverage_met: boolean | null;
  has_report: boolean;
}

export function indexRow(v: ScenarioVerdict, folder: string, written: string, hasReport: boolean): IndexRow {
  const sets = v.policy_sets;
  return {
    folder, pattern: v.scenario, pass: v.pass, short: v.short, written, requests: v.requests, faulted: v.faulted,
    recall: v.recall, precision: v.precision,
    survival: sets ? Object.fromEntries(sets.map((s) => [s.set, s.survival_min])) : { seed: v.survival_faulted_seed, harness: v.survival_faulted },
    retention: sets ? Object.fromEntries(sets.map((s) => [s.set, s.retention.all])) : { seed: v.retention.seed, harness: v.retention.harness },
    coverage_met: v.coverage ? judgeCoverage(v.coverage).length === 0 : null,
    has_report: hasReport,
  };
}

/** Every verdict.json one or two folders below `root` (reports/<pattern>/, reports/test/<pattern>/). */
export function findRuns(root: string): IndexRow[] {
  const rows: IndexRow[] = [];
  const visit = (dir: string, depth: number): void => {
    const file = path.join(dir, 'verdict.json');
    if (fs.existsSync(file)) {
      try {
        const v = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioVerdict;
        if (typeof v.scenario === 'string' && Array.isArray(v.per_fault)) {
          rows.push(indexRow(v, path.relative(root, dir), fs.statSync(file).mtime.toISOString(), fs.existsSync(path.join(dir, 'report.html'))));
        }
      } catch {
        // a verdict being written, or not one of ours: not a run to list
      }
      return;
    }
    if (depth === 0) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !NOT_RUNS.has(e.name)) visit(path.join(dir, e.name), depth - 1);
    }
  };
  if (fs.existsSync(root)) visit(root, 2);
  return rows.sort((a, b) => a.folder.localeCompare(b.folder));
}

const href = (p: string) => p.split(path.sep).map(encodeURIComponent).join('/');

export function renderIndex(rows: IndexRow[], pages: { file: string; label: string }[]): string {
  const sets = [...new Set(rows.flatMap((r) => Object.keys(r.survival)))];
  const head = ['run', 'pattern', 'verdict', 'requests', 'faulted', 'recall', 'precision', ...sets.map((s) => `survival (${esc(s)})`), ...sets.map((s) => `retention (${esc(s)})`), 'coverage (harness)', 'written'];
  const body = rows.map((r) => `<tr class="${r.pass ? 'pass' : 'fail'}"><td>${r.has_report ? `<a href="${href(path.join(r.folder, 'report.html'))}">${esc(r.folder)}</a>` : esc(r.folder)}</td>` +
    `<td>${esc(r.pattern)}${r.short ? ' <small>(short)</small>' : ''}</td><td>${r.pass ? 'PASS' : 'FAIL'}</td><td>${r.requests}</td><td>${r.faulted}</td>` +
    `<td>${pct(r.recall)}</td><td>${pct(r.precision)}</td>${sets.map((s) => `<td>${s in r.survival ? pct(r.survival[s] ?? null) : ''}</td>`).join('')}` +
    `${sets.map((s) => `<td>${s in r.retention ? pct(r.retention[s]!) : ''}</td>`).join('')}<td>${r.coverage_met === null ? '' : r.coverage_met ? 'met' : 'missed'}</td><td><small>${esc(r.written.replace('T', ' ').slice(0, 19))}</small></td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Reports</title><style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
tr.pass td:nth-child(3){color:#1e8449}tr.fail td:nth-child(3){color:#c0392b;font-weight:bold}small{color:#666}</style></head><body>
<h1>Reports</h1>
<p>Every scenario run found in this folder (its <code>verdict.json</code>). Survival: the lowest over the run's faults of the faulted requests each policy set kept; retention: the share of all the run's traces it kept; coverage: whether the harness set kept its diagnostic coverage (what the verdict judges of tail sampling).</p>
${rows.length ? `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>\n${body}</table>` : '<p>No scenario run yet: <code>make scenario-gpu-queue</code> writes one.</p>'}
${pages.length ? `<h2>Other reports</h2><ul>${pages.map((p) => `<li><a href="${href(p.file)}">${esc(p.label)}</a></li>`).join('')}</ul>` : ''}
</body></html>
`;
}

/** Rewrites root/index.html from what root holds now. */
export function writeIndex(root: string): string {
  const file = path.join(root, 'index.html');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(file, renderIndex(findRuns(root), OTHER_PAGES.filter((p) => fs.existsSync(path.join(root, p.file)))));
  return file;
}
