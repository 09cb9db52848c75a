/**
 * make scenario-ramp: early warning as lead time. On one testbed, a no-fault phase, then
 * output corruption rising step by step; Prometheus evaluates the alert rules throughout.
 * Writes reports/ramp/{ramp.json,ramp.md,ramp.html} and prints the tables. Arguments and exit
 * codes: USAGE below (--help).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCli } from '../stack/cli-args.ts';
import { ConfigError, loadStackConfig } from '../stack/config.ts';
import { requireOwnStack } from '../stack/select.ts';
import { REPO_ROOT } from '../stack/tools.ts';
import { loadReportAssets } from './reports/assets.ts';
import { writeIndex } from './reports/index-page.ts';
import { renderRampPage } from './reports/sampling-page.ts';
import { loadSamplingConfig } from './sampling/config.ts';
import { runRamp } from './sampling/ramp.ts';
import { rampClaims, rampMarkdown } from './sampling/ramp-report.ts';
import { loadScenario, ScenarioConfigError } from './scenario/config.ts';
import { HarnessError } from './scenario/errors.ts';
import { withTestbed } from './scenario/testbed.ts';

const USAGE = `usage: make scenario-ramp [ARGS="--short"]   (node assertions/run-ramp.ts with the pinned Node)

Output corruption rising step by step after a no-fault phase (the ramp block of
scenarios/sampling.json), and the time until each Prometheus alert fired; writes
reports/ramp/{ramp.json,ramp.md,ramp.html}.

  --short      the short version (also SCENARIO_SHORT=1)
  -h, --help   this text

Exit code: 0 every claim held, 1 one did not, 2 the harness failed
(a wrong command line included).`;

const { values } = parseCli({ name: 'run-ramp', usage: USAGE, options: { short: { type: 'boolean' } } });
const short = values.short === true || process.env.SCENARIO_SHORT === '1';

try {
  requireOwnStack('make scenario-ramp');
  const cfg = loadSamplingConfig({ short });
  const base = loadScenario('baseline', { short });
  const result = await withTestbed({ stackConfig: loadStackConfig({ ...process.env, TAIL_DECISION_WAIT: base.decision_wait }), entities: base.entities },
    (tb) => runRamp(tb, cfg.ramp));
  const claims = rampClaims(result);
  const dir = path.resolve(process.env.HARNESS_REPORTS_DIR ?? path.join(REPO_ROOT, 'reports'), 'ramp');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ramp.json'), `${JSON.stringify({ short, ...result, claims }, null, 2)}\n`);
  const md = rampMarkdown(result, claims, short);
  fs.writeFileSync(path.join(dir, 'ramp.md'), md);
  fs.writeFileSync(path.join(dir, 'ramp.html'), renderRampPage({ ...result, short }, claims, loadReportAssets()));
  writeIndex(path.dirname(dir));
  console.log(`\n${md}\nreports: ${path.relative(REPO_ROOT, dir)}/{ramp.json,ramp.md,ramp.html}`);
  process.exit(claims.every((c) => c.holds) ? 0 : 1);
} catch (err) {
  const e = err as Error;
  const known = e instanceof ScenarioConfigError || e instanceof HarnessError || e instanceof ConfigError;
  console.error(`\nramp: harness failure: ${known ? e.message : e.stack}`);
  process.exit(2);
}
