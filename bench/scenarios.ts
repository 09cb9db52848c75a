/**
 * Every scenario, full length, one after the other: its wall time (and where the time
 * went), and the memory of every process of its run, sampled while it runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadScenario, patternNames } from '../assertions/scenario/config.ts';
import { runScenario } from '../assertions/scenario/run.ts';
import { loadStackConfig } from '../stack/config.ts';
import { pipelinePorts } from '../stack/pipeline.ts';
import { sampleMemory, type MemoryReport } from './memory.ts';

export const BENCH_SCENARIOS = (process.env.BENCH_SCENARIOS ?? patternNames().join(',')).split(',').filter(Boolean);

export interface ScenarioRun {
  scenario: string;
  pass: boolean;
  wall_s: number;
  requests: number;
  timings_ms: Record<string, number>;
  memory: MemoryReport;
}

export async function scenarioRuns(portOffset: number, log: (l: string) => void): Promise<ScenarioRun[]> {
  const out: ScenarioRun[] = [];
  for (const name of BENCH_SCENARIOS) {
    const spec = loadScenario(name, { env: {} });
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `harness-bench-${name}-`));
    // Every process of the run inherits this, which is how the sampler finds them.
    process.env.HARNESS_RUN_DIR = runDir;
    const mem = sampleMemory(runDir);
    const t0 = performance.now();
    log(`[bench] scenario ${name} (full length)`);
    try {
      const v = await runScenario(spec, {
        stackConfig: loadStackConfig({ ...process.env, HARNESS_PORT_OFFSET: String(portOffset), TAIL_DECISION_WAIT: spec.decision_wait }),
        pipelineEnv: pipelinePorts(portOffset), log: () => {},
      });
      out.push({ scenario: name, pass: v.pass, wall_s: (performance.now() - t0) / 1000, requests: v.requests, timings_ms: v.timings, memory: mem.stop() });
    } finally {
      mem.stop();
      delete process.env.HARNESS_RUN_DIR;
    }
  }
  return out;
}
