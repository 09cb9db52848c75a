/**
 * A short end-to-end run of every scenario (smaller counts, the same assertions as the
 * full run), through the very command a user and the workshop lesson type,
 * `make scenario-<pattern>`, on the test ports and with its reports in a temporary
 * folder: each bottleneck, really injected, is found by its query with recall and
 * precision >= 0.99, and the harness's cost-bounded tail-sampling set keeps its diagnostic
 * coverage (per class 30 whole traces a minute, or all, and every error); the control run
 * matches none of the four queries; the command exits 0 and leaves no process and no
 * port behind. (test/unit/lessons.test.ts checks that each lesson's command is the one
 * run here, and that every part has its file.)
 *
 * The runs are relayed (helpers/load-relay.ts): the next starts once the one before has
 * ended its load, so that one run's wait for the samplers and Tempo overlaps the next one's
 * start and load, never two loads at once.
 */
import { describe, it, type ExpectStatic } from 'vitest';
import { loadScenario, patternNames } from '../../../assertions/scenario/config.ts';
import { terminalTable } from '../../../assertions/reports/write.ts';
import { scenarioCommand } from '../../helpers/workshop.ts';
import { REPORT_MAX_FAULTED_TRACES, type ReportData } from '../../../assertions/reports/report-data.ts';
import type { ScenarioVerdict } from '../../../assertions/reports/types.ts';
import { EVERY_REQUEST_SPANS } from '../../../target-pipeline/semconv.ts';
import { LoadRelay } from './load-relay.ts';
import { runScenarioCommand } from './scenario-command.ts';
import { SLOT_PORT_STRIDE, TEST_PORT_OFFSET } from './stack.ts';

/**
 * The short sampling lab: this pattern's run also carries policy sets written as a team
 * would (test/fixtures/policies: a whole Collector configuration, a tail_sampling block,
 * a bare list), passed as a user passes them (POLICIES in the environment of the same
 * make command), each in its own pipeline and tenant.
 */
export const LAB_PATTERN = 'mixed';
export const LAB_POLICIES = ['team-collector.yaml', 'span-budget.yaml', 'errors-and-slow.yaml'].map((f) => `test/fixtures/policies/${f}`);

/**
 * Runs alive at once in a file: one under load, one still waiting on its backends. A third
 * would only wait longer for its turn at the load; every slot is a whole stack in memory.
 */
export const RELAY_SLOTS = 2;

/**
 * The control run, whose check allows no match at all: it runs first and alone, and the next
 * run starts only once it has ended. Second in the relay, beside the lab run's backends, it
 * failed in five make test runs in a row on 2026-12-07 (1 to 43 of its unfaulted requests
 * queued for the device longer than their forward pass), and passed with the file run alone.
 */
export const CONTROL_PATTERN = 'baseline';

/**
 * Registers the short run of every pattern. The control run comes first (CONTROL_PATTERN),
 * then the lab's: its sampling lab waits longest on the backends (a bare list of policies
 * takes the Collector's default decision_wait, 30 s), and the other runs take their turns
 * meanwhile.
 */
export function scenarioSuite(): void {
  const rank = (n: string) => (n === CONTROL_PATTERN ? 0 : n === LAB_PATTERN ? 1 : 2);
  const mine = [...patternNames()].sort((a, b) => rank(a) - rank(b));
  const relay = new LoadRelay(RELAY_SLOTS);
  describe.concurrent(`scenarios, short runs (${mine.join(', ')})`, () => {
    for (const name of mine) {
      it(`should reproduce and prove '${name}' end to end (${scenarioCommand(name)})`, async ({ expect }) => {
        const spec = loadScenario(name, { short: true, env: {} });
        const leg = await relay.acquire();
        const run = await runScenarioCommand(name, scenarioCommand(name), name === LAB_PATTERN ? { POLICIES: LAB_POLICIES.join(',') } : {}, {
          portOffset: TEST_PORT_OFFSET + leg.slot * SLOT_PORT_STRIDE,
          // Without it the next run waits for this one's end (the relay's release), not its load's.
          onLoadEnded: name === CONTROL_PATTERN ? undefined : leg.loadEnded,
        }).finally(leg.release);
        expect(run.verdict, `'${scenarioCommand(name)}' wrote no verdict (exit ${run.exit.code}):\n${run.log}`).toBeDefined();
        const verdict = run.verdict!;
        console.log(terminalTable(verdict));
        expect(verdict.failures, terminalTable(verdict)).toEqual([]);
        expect(verdict).toMatchObject({ scenario: name, short: true, pass: true });
        expect(run.exit.code, `exit code of a passing verdict:\n${run.log}`).toBe(0);
        for (const f of verdict.per_fault) expect(f.faulted).toBeGreaterThanOrEqual(spec.min_faulted);
        expect(verdict.kept_whole.split, 'kept faulted traces stored split').toBe(0);
        // The seed's policy set has nothing for a tokenizer cold start: only the 3% baseline
        // (and the rare slow request) keeps one. The harness set keeps its coverage (judged above).
        if (name === 'cold-start') expect(verdict.survival_faulted_seed).toBeLessThan(0.5);
        // Coverage is judged over the fault phase the verdict reports retention for.
        expect(verdict.coverage.retention_fault).toBeCloseTo(verdict.retention_fault_phase.harness, 9);
        for (const f of verdict.per_fault) expect(verdict.coverage.per_class[f.fault]?.met, `${f.fault}: coverage`).toBe(true);
        if (name === LAB_PATTERN) expectLabFigures(expect, verdict);
        expectReportData(expect, run.reportData, verdict);
        expect(run.busyPorts, 'test ports still bound after the run').toEqual([]);
        expect(run.left, 'processes of the run left behind').toEqual([]);
      });
    }
  });
}

/** report.html's data comes from the same run: every request of the ledger, every faulted trace with its spans. */
function expectReportData(expect: ExpectStatic, d: ReportData | undefined, v: ScenarioVerdict): void {
  expect(d, 'report-data.json beside verdict.json').toBeDefined();
  expect(d!.requests.total).toBe(v.requests);
  expect(d!.faulted_traces.total).toBe(v.faulted);
  expect(d!.faulted_traces.items.length).toBe(Math.min(v.faulted, REPORT_MAX_FAULTED_TRACES));
  for (const t of d!.faulted_traces.items.filter((x) => x.status === 200)) expect(t.spans.length, `spans of faulted trace ${t.trace_id}`).toBeGreaterThanOrEqual(EVERY_REQUEST_SPANS.length);
  for (const f of v.per_fault) expect(d!.requests.items.filter((r) => r.matched.includes(f.fault)).length, `${f.fault}: requests its query matched`).toBe(f.matched);
}

/** Every set measured alike, and the two ways of counting the seed's and the harness's survival agreeing. */
function expectLabFigures(expect: ExpectStatic, v: ScenarioVerdict): void {
  const sets = v.policy_sets ?? [];
  expect(sets.map((s) => s.set)).toEqual(['seed', 'harness', 'team-collector', 'span-budget', 'errors-and-slow']);
  expect(v.sampling_cross_check?.match, 'the sampler\'s kept count against every tenant').toBe(true);
  const survival = (name: string) => sets.find((s) => s.set === name)!.survival_min;
  expect(survival('seed')).toBeCloseTo(v.survival_faulted_seed!, 9);
  expect(survival('harness')).toBeCloseTo(v.survival_faulted!, 9);
  // The verdict's coverage (whole by search) and the lab's (whole by id) count the same traces.
  expect(sets.find((s) => s.set === 'harness')!.coverage, 'the harness set\'s coverage, verdict against lab').toEqual(v.coverage);
  for (const s of sets) {
    expect(s.kept_whole.split, `${s.set}: kept faulted traces split`).toBe(0);
    expect(s.kept_by_policy['(not recorded)'] ?? 0, `${s.set}: kept traces naming no policy`).toBe(0);
    expect(s.stored.spans, `${s.set}: spans its tenant received`).toBeGreaterThan(0);
    expect(s.decided, `${s.set}: traces its sampler decided`).toBeGreaterThanOrEqual(v.requests);
    // Diagnostic coverage counts the same kept traces as the retention figures, and never more than occurred.
    expect(s.coverage.retention_fault, `${s.set}: coverage's fault-phase retention`).toBeCloseTo(s.retention.fault, 9);
    for (const [f, c] of Object.entries(s.coverage.per_class)) {
      expect(c!.kept_whole, `${s.set}/${f}: kept whole <= kept <= occurred`).toBeLessThanOrEqual(c!.kept);
      expect(c!.kept).toBeLessThanOrEqual(c!.occurred);
      expect(c!.occurred, `${s.set}/${f}: occurred in the fault phase`).toBeGreaterThan(0);
    }
    expect(s.coverage.errors.kept).toBeLessThanOrEqual(s.coverage.errors.occurred);
    expect(s.goal.met, `${s.set}: the goal's verdict and its misses agree`).toBe(s.goal.missed.length === 0);
  }
}