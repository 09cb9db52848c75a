/**
 * make sampling-lab POLICIES=<file>[,<file>...]: your tail-sampling policy sets beside the
 * seed's and the harness's, every pattern (baseline, the four faults, mixed), each pattern
 * one scenario run with every set in its own pipeline and Tempo tenant. Writes
 * reports/sampling-lab/{lab.json,lab.md,lab.html}; with --sweep, every fault pattern at each
 * intensity level of scenarios/intensities.json instead (reports/sampling-lab/sweep/).
 * Arguments and exit codes: USAGE (--help).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCli } from '../stack/cli-args.ts';
import { ConfigError } from '../stack/config.ts';
import { requireOwnStack } from '../stack/select.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { writeReports } from './reports/write.ts';
import { loadScenario, patternNames, ScenarioConfigError } from './scenario/config.ts';
import { HarnessError, runScenarioWithData } from './scenario/run.ts';
import { labClaims, labGoals, labMarkdown, type LabReport } from './sampling/lab/report.ts';
import { loadPolicyFiles, policyFileList } from './sampling/lab/policy-file.ts';
import { loadSweep, specAtLevel, sweepRow, sweepSummary, type SweepLevel } from './sampling/lab/sweep.ts';
import { validatePolicySets } from './sampling/lab/validate.ts';
import { loadReportAssets } from './reports/assets.ts';
import { renderLabPage } from './reports/lab-page.ts';

interface PlannedRun {
  pattern: string;
  level?: SweepLevel;
}

const USAGE = `usage: make sampling-lab POLICIES=<file>[,<file>...] [ARGS="--patterns <p>,... --short --sweep"]
       (node assertions/run-sampling-lab.ts --policies <file>,... [--patterns <p>,...] [--short] [--sweep] with the pinned Node)

Runs every pattern (or those given) once with your tail-sampling policy sets beside the
seed's and the harness's, each set in its own Collector pipeline and Tempo tenant, and
measures them alike: survival of faulted traces, retention in the warm-up and in the
fault phase, spans and bytes stored, kept traces whole, which policy kept them.
Writes reports/sampling-lab/{lab.json,lab.md,lab.html}, with --sweep
reports/sampling-lab/sweep/ (HARNESS_REPORTS_DIR moves reports/).

  --policies   policy files (also POLICIES=...): a whole Collector configuration, a
               tail_sampling block, its settings or a bare list of policies; each is
               started once by the real Collector before anything runs
  --patterns   comma-separated patterns (default: every one of scenarios/patterns.json)
  --short      the short versions make test runs (also SCENARIO_SHORT=1)
  --sweep      the incident intensity sweep instead: each fault pattern of
               scenarios/intensities.json (or those of --patterns) at each of its
               levels, with the realised intensity measured from the ledger; adds
               the sweep and its cost/coverage frontier to lab.json, lab.md, lab.html
  -h, --help   this text

Exit code: 0 every claim held, 1 one did not, 2 a part could not run (a policy file the
Collector refuses, a wrong command line included).`;

const { values } = parseCli({ name: 'run-sampling-lab', usage: USAGE, options: { policies: { type: 'string' }, patterns: { type: 'string' }, short: { type: 'boolean' }, sweep: { type: 'boolean' } } });
const short = values.short === true || process.env.SCENARIO_SHORT === '1';
const reports = path.resolve(process.env.HARNESS_REPORTS_DIR ?? path.join(REPO_ROOT, 'reports'));
const t0 = performance.now();
let exit = 0;
try {
  requireOwnStack('make sampling-lab');
  const files = policyFileList(values.policies ?? process.env.POLICIES);
  if (files.length === 0) throw new HarnessError('no policy file given: --policies <file>[,<file>...] or POLICIES=<file>[,...] (the seed\'s and the harness\'s sets always run)');
  const sets = loadPolicyFiles(files);
  await validatePolicySets(sets);
  console.log(`[lab] ${sets.length} policy set(s) accepted by the Collector: ${sets.map((s) => `${s.name} (${path.relative(process.cwd(), s.source)})`).join(', ')}`);
  const only = values.patterns ? values.patterns.split(',').map((p) => p.trim()).filter(Boolean) : undefined;
  const sweep = values.sweep ? loadSweep() : undefined;
  const runs: PlannedRun[] = sweep
    ? Object.entries(sweep.patterns).filter(([p]) => !only || only.includes(p)).flatMap(([p, levels]) => levels.map((level) => ({ pattern: p, level })))
    : (only ?? patternNames()).map((p) => ({ pattern: p }));
  if (runs.length === 0) throw new HarnessError(`no run: --patterns ${values.patterns} names none of ${sweep ? `${sweep.file}'s patterns (${Object.keys(sweep.patterns).join(', ')})` : 'the patterns'}`);
  const report: LabReport = {
    short, policy_files: files.map((f) => path.relative(REPO_ROOT, f)), sets: sets.map((s) => s.name), runs: [], errors: [], duration_s: 0,
    ...(sweep ? { sweep: { file: sweep.file, levels: sweep.levels, rows: [] } } : {}),
  };
  for (const { pattern: name, level } of runs) {
    const label = level ? `${name}@${level.level}` : name;
    try {
      const base = loadScenario(name, { short });
      const { verdict, reportData } = await runScenarioWithData(level ? specAtLevel(base, level) : base, { policySets: sets });
      // Each level's scenario reports apart, so that a sweep never overwrites a pattern's own.
      writeReports(verdict, level ? path.join(reports, 'sampling-lab', 'sweep', level.level) : reports, reportData);
      const figures = verdict.policy_sets ?? [];
      report.runs.push({ pattern: label, pass: verdict.pass, requests: verdict.requests, faulted: verdict.faulted, collector_matches_tempo: verdict.sampling_cross_check?.match ?? false, sets: figures });
      if (level) report.sweep!.rows.push(sweepRow(name, level, figures));
      console.log(`[lab] ${label}: ${figures.map((s) => `${s.set} ${s.survival_min === null ? 'n/a' : `${(s.survival_min * 100).toFixed(1)}%`} kept, fault-phase retention ${(s.retention.fault * 100).toFixed(1)}%, goal ${s.goal.met ? 'met' : 'missed'}`).join('; ')}`);
    } catch (err) {
      const e = err as Error;
      report.errors.push(`${label}: ${e.message}`);
      console.error(`[lab] ${label} could not run: ${e instanceof HarnessError || e instanceof ScenarioConfigError ? e.message : e.stack}`);
    }
  }
  report.duration_s = (performance.now() - t0) / 1000;
  const claims = labClaims(report);
  const dir = path.join(reports, 'sampling-lab', ...(report.sweep ? ['sweep'] : []));
  fs.mkdirSync(dir, { recursive: true });
  const summary = report.sweep ? { sweep_summary: sweepSummary(report.sweep.rows, report.sweep.levels) } : {};
  fs.writeFileSync(path.join(dir, 'lab.json'), `${JSON.stringify({ ...report, ...summary, claims, goal: labGoals(report) }, null, 2)}\n`);
  const md = labMarkdown(report, claims);
  fs.writeFileSync(path.join(dir, 'lab.md'), md);
  fs.writeFileSync(path.join(dir, 'lab.html'), renderLabPage(report, claims, loadReportAssets()));
  console.log(`\n${md}\nreports: ${path.relative(REPO_ROOT, dir)}/{lab.json,lab.md,lab.html}`);
  exit = report.errors.length ? 2 : claims.every((c) => c.holds) ? 0 : 1;
} catch (err) {
  const e = err as Error;
  const known = e instanceof HarnessError || e instanceof ScenarioConfigError || e instanceof ConfigError;
  console.error(`\nsampling lab: harness failure: ${known ? e.message : e.stack}`);
  exit = 2;
}
process.exit(exit);
