/** make scenario-<pattern>: runs one scenario end to end; arguments and exit codes in USAGE (--help). */
import path from 'node:path';
import { parseCli } from '../stack/cli-args.ts';
import { ConfigError } from '../stack/config.ts';
import { EndpointError } from '../stack/external-preflight.ts';
import { externalSettingsHelp } from '../stack/external-settings.ts';
import { STACK_KINDS } from '../stack/select.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { loadScenario, ScenarioConfigError } from './scenario/config.ts';
import { HarnessError, runScenarioWithData } from './scenario/run.ts';
import { terminalTable, writeReports } from './reports/write.ts';
import { loadPolicyFiles, policyFileList } from './sampling/lab/policy-file.ts';
import { validatePolicySets } from './sampling/lab/validate.ts';

const USAGE = `usage: make scenario-<pattern> [POLICIES=<file>[,<file>...]] [ARGS="--short"]
       (node assertions/run-scenario.ts <pattern> [--short] [--policies <file>,...] with the pinned Node)
       make scenarios [ARGS="--short"] runs every pattern, one after another

Runs one scenario end to end (the patterns and their knobs: scenarios/patterns.json)
and writes reports/<pattern>/.

  --short      the short version make test runs (also SCENARIO_SHORT=1)
  --policies   tail-sampling policy files to run beside the seed's and the harness's
               sets, each in its own pipeline and Tempo tenant (also POLICIES=...): a
               whole Collector configuration, a tail_sampling block, its settings or a
               bare list of policies; each is started once by the real Collector first
  -h, --help   this text

Reports go under HARNESS_REPORTS_DIR when it is set.

STACK (${STACK_KINDS.join(' | ')}, default local) says whose Tempo and Collector the run
uses. STACK=external starts none: the pipeline's spans go to your Collector and the
verdict reads your Tempo; each endpoint is checked before any load (exit 2 naming it).
Its settings:
${externalSettingsHelp()}
Exit code: 0 the verdict passed, 1 an assertion failed, 2 the harness failed
(a wrong command line included).`;

const { values, positionals } = parseCli({ name: 'run-scenario', usage: USAGE, options: { short: { type: 'boolean' }, policies: { type: 'string' } }, positionals: { min: 1, max: 1 } });
const name = positionals[0]!;
const short = values.short === true || process.env.SCENARIO_SHORT === '1';
try {
  const spec = loadScenario(name, { short });
  const files = policyFileList(values.policies ?? process.env.POLICIES);
  const policySets = loadPolicyFiles(files);
  await validatePolicySets(policySets);
  const { verdict, reportData } = await runScenarioWithData(spec, { policySets });
  // HARNESS_REPORTS_DIR: where tests that run this command put their reports, so that
  // short runs never overwrite the full ones under reports/.
  const dir = writeReports(verdict, path.resolve(process.env.HARNESS_REPORTS_DIR ?? path.join(REPO_ROOT, 'reports')), reportData);
  console.log(`\n${terminalTable(verdict)}\n\nreports: ${path.relative(REPO_ROOT, dir)}/{verdict.json,report-data.json,report.html,junit.xml}`);
  process.exit(verdict.pass ? 0 : 1);
} catch (err) {
  const e = err as Error;
  const known = e instanceof ScenarioConfigError || e instanceof HarnessError || e instanceof ConfigError || e instanceof EndpointError;
  console.error(`\nscenario ${name}: harness failure: ${known ? e.message : e.stack}`);
  process.exit(2);
}
