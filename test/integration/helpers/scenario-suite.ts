/**
 * A short end-to-end run of every scenario (smaller counts, the same assertions as the
 * full run), through the very command a user and the workshop lesson type,
 * `make scenario-<pattern>`, on the test ports and with its reports in a temporary
 * folder: each bottleneck, really injected, is found by its query with recall and
 * precision >= 0.99 and kept whole by the harness's tail-sampling set; the control run
 * matches none of the four queries; the command exits 0 and leaves no process and no
 * port behind. (test/unit/lessons.test.ts checks that each lesson's command is the one
 * run here, and that every part has its file.)
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, patternNames } from '../../../assertions/scenario/config.ts';
import { terminalTable } from '../../../assertions/reports/write.ts';
import { scenarioCommand } from '../../helpers/workshop.ts';
import { runScenarioCommand } from './scenario-command.ts';

/** The scenario test is split over this many files, so that test workers share its runs. */
export const SCENARIO_FILES = 2;

/** Registers the short runs of the patterns that fall to file `part` (0-based) of SCENARIO_FILES. */
export function scenarioSuite(part: number): void {
  const mine = patternNames().filter((_, i) => i % SCENARIO_FILES === part);
  describe(`scenarios, short runs (${mine.join(', ')})`, () => {
    for (const name of mine) {
      it(`should reproduce and prove '${name}' end to end (${scenarioCommand(name)})`, async () => {
        const spec = loadScenario(name, { short: true, env: {} });
        const run = await runScenarioCommand(name, scenarioCommand(name));
        expect(run.verdict, `'${scenarioCommand(name)}' wrote no verdict (exit ${run.exit.code}):\n${run.log}`).toBeDefined();
        const verdict = run.verdict!;
        console.log(terminalTable(verdict));
        expect(verdict.failures, terminalTable(verdict)).toEqual([]);
        expect(verdict).toMatchObject({ scenario: name, short: true, pass: true });
        expect(run.exit.code, `exit code of a passing verdict:\n${run.log}`).toBe(0);
        for (const f of verdict.per_fault) expect(f.faulted).toBeGreaterThanOrEqual(spec.min_faulted);
        expect(verdict.kept_whole.split, 'kept faulted traces stored split').toBe(0);
        // The seed's policy set has nothing for a tokenizer cold start: only the 3% baseline
        // (and the rare slow request) keeps one. The harness set keeps them all (above).
        if (name === 'cold-start') expect(verdict.survival_faulted_seed).toBeLessThan(0.5);
        expect(run.busyPorts, 'test ports still bound after the run').toEqual([]);
        expect(run.left, 'processes of the run left behind').toEqual([]);
      });
    }
  });
}
