import { defineConfig } from 'vitest/config';
import LongestFirst from './test/integration/sequencer.ts';

// Unit tests need no backend. Integration tests start real processes (Tempo, the
// Collector, Prometheus, the pipeline), one file at a time by default. Two at a time, each
// on its own ports (test/integration/helpers/stack.ts shifts them by VITEST_POOL_ID), took
// 340 s instead of 614 s while a request made 8 spans; with the HTTP CLIENT/SERVER spans
// (11 per request) two files saturate the 2 cores: 509-589 s, forward passes of 600 ms at
// batch 8, and load-dependent checks failed in 3 of 3 runs (unfaulted requests queueing,
// cold starts kept by the seed's latency policy). HARNESS_TEST_WORKERS=2 runs two at a time.
export const INTEGRATION_WORKERS = Number(process.env.HARNESS_TEST_WORKERS ?? 1);

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
