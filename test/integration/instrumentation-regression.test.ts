/**
 * Does the harness catch an instrumentation regression (its CI use)? With one
 * instrumentation point broken through HARNESS_BREAK_INSTRUMENTATION, the bottleneck still
 * happens for real (the ledger still counts faulted requests) but its signal is gone: the
 * short scenario must fail, and each recall failure must name the missing signal, found
 * by looking at the missed traces in tenant full. All four points are broken in one run of
 * the mixed scenario, where all four faults fire.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { terminalTable } from '../../assertions/reports/write.ts';
import type { FaultName } from '../../faults/registry.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import type { BreakPoint } from '../../target-pipeline/telemetry/break.ts';
import { runScenarioCommand } from './helpers/scenario-command.ts';

/** Every break point, each with the fault whose signal it removes and how the failure names it. */
const CASES: { point: BreakPoint; fault: FaultName; names: string }[] = [
  { point: 'db-fallback-span', fault: 'cache-eviction', names: `signal ${Spans.dbFallback} missing: no ${Spans.dbFallback} span` },
  { point: 'queue-wait-attr', fault: 'gpu-starvation', names: `signal ${Attr.queueWaitMs} missing on every ${Spans.inference} span` },
  { point: 'tokenizer-init-span', fault: 'tokenizer-reload', names: `signal ${Spans.tokenizerInit} missing: no ${Spans.tokenizerInit} span` },
  { point: 'validation-attempts-attr', fault: 'output-corruption', names: `signal ${Attr.validationAttempts} missing on every ${Spans.postProcessing} span` },
];
/** The scenario with all four faults on: one run breaks every point and must catch each. */
const SCENARIO = 'mixed';

describe('instrumentation regressions', () => {
  it(`should fail '${SCENARIO}' naming each missing signal when all of ${CASES.map((c) => c.point).join(', ')} are broken`, async () => {
    const spec = loadScenario(SCENARIO, { short: true, env: {} });
    const run = await runScenarioCommand(SCENARIO, `node assertions/run-scenario.ts ${SCENARIO} --short`, {
      HARNESS_BREAK_INSTRUMENTATION: CASES.map((c) => c.point).join(','),
    });
    expect(run.verdict, `no verdict written (exit ${run.exit.code}):\n${run.log}`).toBeDefined();
    const verdict = run.verdict!;
    const table = terminalTable(verdict);
    expect(verdict.pass, table).toBe(false);
    // A failed verdict is exit code 1 (not the harness's 2), and the run still cleans up.
    expect(run.exit.code, run.log).toBe(1);
    expect(run.busyPorts, 'test ports still bound after the run').toEqual([]);
    expect(run.left, 'processes of the run left behind').toEqual([]);
    for (const c of CASES) {
      const v = verdict.per_fault.find((f) => f.fault === c.fault)!;
      // The break removes the signal, not the bottleneck: the fault still fired on enough requests.
      expect(v.faulted, `${c.fault}\n${table}`).toBeGreaterThanOrEqual(spec.min_faulted);
      const recall = verdict.failures.find((m) => m.path === `${c.fault}.recall`);
      expect(recall, `${c.point}: no ${c.fault} recall failure among: ${verdict.failures.map((m) => m.path).join(', ')}`).toBeDefined();
      const message = `${recall!.path}: expected ${recall!.expected}, got ${recall!.actual}`;
      expect(message).toContain(v.detection_query);
      expect(message).toContain(c.names);
      console.log(`[instrumentation-regression] ${c.point} broken: recall ${v.recall.toFixed(4)} (${v.true_positives} of ${v.faulted} faulted traces matched); ${message}`);
    }
  });
});
