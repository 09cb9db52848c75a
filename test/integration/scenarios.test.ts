/**
 * A short end-to-end run of every scenario (smaller counts, the same assertions as
 * `make scenario-<pattern>`): each bottleneck, really injected, is found by its query
 * with recall and precision >= 0.99 and kept whole by the harness's tail-sampling set;
 * the control run matches none of the four queries.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, patternNames } from '../../assertions/scenario/config.ts';
import { runScenario } from '../../assertions/scenario/run.ts';
import { terminalTable, writeReports } from '../../assertions/reports/write.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { testStackConfig } from './helpers/stack.ts';

describe('scenarios, short runs', () => {
  for (const name of patternNames()) {
    it(`should reproduce and prove '${name}' end to end`, async () => {
      const spec = loadScenario(name, { short: true, env: {} });
      const verdict = await runScenario(spec, {
        stackConfig: testStackConfig({ decisionWait: spec.decision_wait }),
        pipelineEnv: testPipelinePorts(),
        log: () => {},
      });
      writeReports(verdict, path.join(REPO_ROOT, 'reports', 'test'));
      console.log(terminalTable(verdict));
      expect(verdict.failures, terminalTable(verdict)).toEqual([]);
      expect(verdict.pass).toBe(true);
      for (const f of verdict.per_fault) expect(f.faulted).toBeGreaterThanOrEqual(spec.min_faulted);
      expect(verdict.kept_whole.split, 'kept faulted traces stored split').toBe(0);
      // The seed's policy set has nothing for a tokenizer cold start: only the 3% baseline
      // (and the rare slow request) keeps one. The harness set keeps them all (above).
      if (name === 'cold-start') expect(verdict.survival_faulted_seed).toBeLessThan(0.5);
    });
  }
});
