/**
 * make scenario-sampling: the tail-sampling proof. Runs the survival patterns (each a
 * full scenario with its own reports/<pattern>/), then, on one testbed, the
 * dose-response run, the seed's queries and the late-span experiment, then the
 * scale-out topology; writes reports/sampling/{sampling.json,sampling.md,sampling.html} and prints
 * the tables. Arguments and exit codes: USAGE below (--help).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCli } from '../stack/cli-args.ts';
import { loadStackConfig } from '../stack/config.ts';
import { requireOwnStack } from '../stack/select.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { loadReportAssets } from './reports/assets.ts';
import { writeIndex } from './reports/index-page.ts';
import { renderSamplingPage } from './reports/sampling-page.ts';
import { writeReports } from './reports/write.ts';
import { loadScenario, ScenarioConfigError } from './scenario/config.ts';
import { HarnessError, runScenarioWithData } from './scenario/run.ts';
import { loadSamplingConfig } from './sampling/config.ts';
import { runDoseResponse, type DoseResponse } from './sampling/dose-response.ts';
import { runLateSpanExperiment, type LateSpanResult } from './sampling/late-spans.ts';
import { judgeClaims, renderMarkdown, survivalRow, type SamplingReport, type SurvivalRow } from './sampling/report.ts';
import { runScaleOut, type ScaleOutResult } from './sampling/scale-out.ts';
import { runSeedQueryPhase, type SeedQueryResult } from './sampling/seed-queries.ts';
import { withTestbed } from './scenario/testbed.ts';

const USAGE = `usage: make scenario-sampling [ARGS="--short"]   (node assertions/run-sampling.ts with the pinned Node)

The tail-sampling proof (what it runs: scenarios/sampling.json); writes
reports/sampling/{sampling.json,sampling.md,sampling.html} and each survival pattern's reports/<pattern>/.

  --short      the short version make test runs (also SCENARIO_SHORT=1)
  -h, --help   this text

Exit code: 0 every claim held, 1 one did not, 2 the harness failed
(a wrong command line included).`;

const { values } = parseCli({ name: 'run-sampling', usage: USAGE, options: { short: { type: 'boolean' } } });
const short = values.short === true || process.env.SCENARIO_SHORT === '1';
try {
  requireOwnStack('make scenario-sampling');
} catch (err) {
  console.error(`\n[sampling] harness failure: ${(err as Error).message}`);
  process.exit(2);
}
const t0 = performance.now();
const errors: string[] = [];
const failed = (part: string, err: unknown) => {
  const e = err as Error;
  errors.push(`${part}: ${e.message}`);
  console.error(`\n[sampling] ${part} failed: ${e instanceof ScenarioConfigError || e instanceof HarnessError ? e.message : e.stack}`);
};

try {
  const cfg = loadSamplingConfig({ short });
  const base = loadScenario(cfg.survival_patterns[0]!, { short });
  const survival: SurvivalRow[] = [];
  for (const name of cfg.survival_patterns) {
    try {
      const { verdict, reportData } = await runScenarioWithData(loadScenario(name, { short }));
      writeReports(verdict, path.join(REPO_ROOT, 'reports'), reportData);
      survival.push(survivalRow(verdict));
      console.log(`[sampling] ${name}: harness set kept ${verdict.survival_faulted ?? 'n/a'}, seed set ${verdict.survival_faulted_seed ?? 'n/a'} of ${verdict.faulted} faulted`);
    } catch (err) {
      failed(`scenario ${name}`, err);
    }
  }

  let dose: DoseResponse | null = null;
  let seedQueries: SeedQueryResult[] = [];
  let late: LateSpanResult | null = null;
  try {
    await withTestbed({ stackConfig: loadStackConfig({ ...process.env, TAIL_DECISION_WAIT: base.decision_wait }), entities: base.entities }, async (tb) => {
      dose = await runDoseResponse(tb, cfg.dose_response);
      seedQueries = await runSeedQueryPhase(tb, cfg.seed_queries);
      console.log('[late spans] two samplers, with and without a decision cache');
      late = await runLateSpanExperiment(tb.stack, { logDir: tb.logDir });
    });
  } catch (err) {
    failed('dose-response, seed queries and late spans', err);
  }

  let scaleOut: ScaleOutResult | null = null;
  try {
    scaleOut = await runScaleOut(loadStackConfig(process.env), cfg.scale_out, { entities: base.entities });
  } catch (err) {
    failed('scale-out', err);
  }

  const partial: Omit<SamplingReport, 'claims'> = {
    short, duration_s: (performance.now() - t0) / 1000, survival, dose_response: dose, seed_queries: seedQueries, late_spans: late, scale_out: scaleOut, errors,
  };
  const report: SamplingReport = { ...partial, claims: judgeClaims(partial) };
  const dir = path.join(REPO_ROOT, 'reports', 'sampling');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'sampling.json'), JSON.stringify(report, null, 2));
  const md = renderMarkdown(report);
  fs.writeFileSync(path.join(dir, 'sampling.md'), md);
  fs.writeFileSync(path.join(dir, 'sampling.html'), renderSamplingPage(report, loadReportAssets()));
  writeIndex(path.dirname(dir));
  console.log(`\n${md}\nreports: ${path.relative(REPO_ROOT, dir)}/{sampling.json,sampling.md,sampling.html}`);
  process.exit(errors.length ? 2 : report.claims.every((c) => c.holds) ? 0 : 1);
} catch (err) {
  failed('the sampling run', err);
  process.exit(2);
}
