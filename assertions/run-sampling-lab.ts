/**
 * make sampling-lab POLICIES=<file>[,<file>...]: your tail-sampling policy sets beside the
 * seed's and the harness's, every pattern (baseline, the four faults, mixed), each pattern
 * one scenario run with every set in its own pipeline and Tempo tenant. Writes
 * reports/sampling-lab/{lab.json,lab.md}. Arguments and exit codes: USAGE (--help).
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
import { validatePolicySets } from './sampling/lab/validate.ts';

const USAGE = `usage: make sampling-lab POLICIES=<file>[,<file>...] [ARGS="--patterns <p>,... --short"]
       (node assertions/run-sampling-lab.ts --policies <file>,... [--patterns <p>,...] [--short] with the pinned Node)

Runs every pattern (or those given) once with your tail-sampling policy sets beside the
seed's and the harness's, each set in its own Collector pipeline and Tempo tenant, and
measures them alike: survival of faulted traces, retention in the warm-up and in the
fault phase, spans and bytes stored, kept traces whole, which policy kept them.
Writes reports/sampling-lab/{lab.json,lab.md} (HARNESS_REPORTS_DIR moves reports/).

  --policies   policy files (also POLICIES=...): a whole Collector configuration, a
               tail_sampling block, its settings or a bare list of policies; each is
               started once by the real Collector before anything runs
  --patterns   comma-separated patterns (default: every one of scenarios/patterns.json)
  --short      the short versions make test runs (also SCENARIO_SHORT=1)
  -h, --help   this text

Exit code: 0 every claim held, 1 one did not, 2 a part could not run (a policy file the
Collector refuses, a wrong command line included).`;

const { values } = parseCli({ name: 'run-sampling-lab', usage: USAGE, options: { policies: { type: 'string' }, patterns: { type: 'string' }, short: { type: 'boolean' } } });
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
  const patterns = values.patterns ? values.patterns.split(',').map((p) => p.trim()).filter(Boolean) : patternNames();
  const report: LabReport = { short, policy_files: files.map((f) => path.relative(REPO_ROOT, f)), sets: sets.map((s) => s.name), runs: [], errors: [], duration_s: 0 };
  for (const name of patterns) {
    try {
      const { verdict, reportData } = await runScenarioWithData(loadScenario(name, { short }), { policySets: sets });
      writeReports(verdict, reports, reportData);
      report.runs.push({ pattern: name, pass: verdict.pass, requests: verdict.requests, faulted: verdict.faulted, collector_matches_tempo: verdict.sampling_cross_check?.match ?? false, sets: verdict.policy_sets ?? [] });
      console.log(`[lab] ${name}: ${(verdict.policy_sets ?? []).map((s) => `${s.set} ${s.survival_min === null ? 'n/a' : `${(s.survival_min * 100).toFixed(1)}%`} kept, fault-phase retention ${(s.retention.fault * 100).toFixed(1)}%, goal ${s.goal.met ? 'met' : 'missed'}`).join('; ')}`);
    } catch (err) {
      const e = err as Error;
      report.errors.push(`${name}: ${e.message}`);
      console.error(`[lab] ${name} could not run: ${e instanceof HarnessError || e instanceof ScenarioConfigError ? e.message : e.stack}`);
    }
  }
  report.duration_s = (performance.now() - t0) / 1000;
  const claims = labClaims(report);
  const dir = path.join(reports, 'sampling-lab');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'lab.json'), `${JSON.stringify({ ...report, claims, goal: labGoals(report) }, null, 2)}\n`);
  const md = labMarkdown(report, claims);
  fs.writeFileSync(path.join(dir, 'lab.md'), md);
  console.log(`\n${md}\nreports: ${path.relative(REPO_ROOT, dir)}/{lab.json,lab.md}`);
  exit = report.errors.length ? 2 : claims.every((c) => c.holds) ? 0 : 1;
} catch (err) {
  const e = err as Error;
  const known = e instanceof HarnessError || e instanceof ScenarioConfigError || e instanceof ConfigError;
  console.error(`\nsampling lab: harness failure: ${known ? e.message : e.stack}`);
  exit = 2;
}
process.exit(exit);
