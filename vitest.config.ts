import { defineConfig } from 'vitest/config';
import LongestFirst from './test/integration/sequencer.ts';

// Unit tests need no backend. Integration tests start real processes (Tempo, the
// Collector, Prometheus, the pipeline), two files at a time, each on its own ports
// (test/integration/helpers/stack.ts shifts them by VITEST_POOL_ID): 340 s for the
// integration files instead of 614 s one at a time (2026-12-02). The second file's CPU
// load stretches forward passes; the checks that compare latencies within a run wait on
// signals for a fault's aftermath (a reset's competing batch in flight) instead of a fixed
// number of requests. HARNESS_TEST_WORKERS=1 runs them one at a time.
export const INTEGRATION_WORKERS = Number(process.env.HARNESS_TEST_WORKERS ?? 2);

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: INTEGRATION_WORKERS > 1,
          maxWorkers: INTEGRATION_WORKERS,
          sequence: { sequencer: LongestFirst },
        },
      },
    ],
  },
});
