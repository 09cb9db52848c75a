/**
 * Does the harness catch an instrumentation regression (its CI use)? With one
 * instrumentation point broken through HARNESS_BREAK_INSTRUMENTATION, the bottleneck still
 * happens for real (the ledger still counts faulted requests) but its signal is gone: the
 * matching short scenario must fail, and its recall failure must name the missing signal,
 * found by looking at the missed traces in tenant full.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { runScenario } from '../../assertions/scenario/run.ts';
import { terminalTable, writeReports } from '../../assertions/reports/write.ts';
import type { FaultName } from '../../faults/registry.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';
import type { BreakPoint } from '../../target-pipeline/telemetry/break.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { testStackConfig } from './helpers/stack.ts';

/** Two breaks only: each is a whole short scenario (30-50 s on this machine). */
const CASES: { point: BreakPoint; scenario: string; fault: FaultName; names: string }[] = [
  { point: 'db-fallback-span', scenario: 'feature-cache', fault: 'cache-eviction', names: `signal ${Spans.dbFallback} missing: no ${Spans.dbFallback} span` },
  { point: 'queue-wait-attr', scenario: 'gpu-queue', fault: 'gpu-starvation', names: `signal ${Attr.queueWaitMs} missing on every ${Spans.inference} span` },
];

describe('instrumentation regressions', () => {
  for (const c of CASES) {
    it(`should fail '${c.scenario}' naming the missing signal when '${c.point}' is broken`, async () => {
      const spec = loadScenario(c.scenario, { short: true, env: {} });
      const verdict = await runScenario(spec, {
        stackConfig: testStackConfig({ decisionWait: spec.decision_wait }),
        pipelineEnv: { ...testPipelinePorts(), HARNESS_BREAK_INSTRUMENTATION: c.point },
        log: () => {},
      });
      writeReports({ ...verdict, scenario: `${verdict.scenario}-broken-${c.point}` }, path.join(REPO_ROOT, 'reports', 'test'));
      const table = terminalTable(verdict);
      const v = verdict.per_fault.find((f) => f.fault === c.fault)!;
      // The break removes the signal, not the bottleneck: the fault still fired on enough requests.
      expect(v.faulted, table).toBeGreaterThanOrEqual(spec.min_faulted);
      expect(verdict.pass, table).toBe(false);
      const recall = verdict.failures.find((m) => m.path === `${c.fault}.recall`);
      expect(recall, `no recall failure among: ${verdict.failures.map((m) => m.path).join(', ')}`).toBeDefined();
      const message = `${recall!.path}: expected ${recall!.expected}, got ${recall!.actual}`;
      expect(message).toContain(v.detection_query);
      expect(message).toContain(c.names);
      console.log(`[instrumentation-regression] ${c.point} broken: ${c.scenario} FAIL, recall ${v.recall.toFixed(4)} (${v.true_positives} of ${v.faulted} faulted traces matched); ${message}`);
    });
  }
});
