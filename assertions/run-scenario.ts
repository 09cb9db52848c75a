/**
 * make scenario-<pattern>: runs one scenario end to end and writes reports/<pattern>/.
 * Exit code: 0 the verdict passed, 1 an assertion failed, 2 the harness itself failed.
 *   node assertions/run-scenario.ts <pattern> [--short]
 */
import path from 'node:path';
import { ConfigError } from '../stack/config.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { loadScenario, ScenarioConfigError } from './scenario/config.ts';
import { HarnessError, runScenario } from './scenario/run.ts';
import { terminalTable, writeReports } from './reports/write.ts';

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--'));
const short = args.includes('--short') || process.env.SCENARIO_SHORT === '1';
try {
  if (!name) throw new ScenarioConfigError('usage: node assertions/run-scenario.ts <pattern> [--short]');
  const spec = loadScenario(name, { short });
  const verdict = await runScenario(spec);
  // HARNESS_REPORTS_DIR: where tests that run this command put their reports, so that
  // short runs never overwrite the full ones under reports/.
  const dir = writeReports(verdict, path.resolve(process.env.HARNESS_REPORTS_DIR ?? path.join(REPO_ROOT, 'reports')));
  console.log(`\n${terminalTable(verdict)}\n\nreports: ${path.relative(REPO_ROOT, dir)}/{verdict.json,report.html,junit.xml}`);
  process.exit(verdict.pass ? 0 : 1);
} catch (err) {
  const e = err as Error;
  const known = e instanceof ScenarioConfigError || e instanceof HarnessError || e instanceof ConfigError;
  console.error(`\nscenario ${name ?? ''}: harness failure: ${known ? e.message : e.stack}`);
  process.exit(2);
}
