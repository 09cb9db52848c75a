import { defineConfig } from 'vitest/config';
import LongestFirst from './test/integration/sequencer.ts';

// Unit tests need no backend. Integration tests start real processes (Tempo, the
// Collector, the pipeline). They can run two files at a time, each on its own ports
// (test/integration/helpers/stack.ts shifts them by VITEST_POOL_ID): 322-372 s for
// `make test` instead of about 9 min. But on this 2-core machine the second file's CPU
// load stretches forward passes (a batch of 1 took 138 ms instead of 0.7), and the
// gpu-queue query, queue_wait > forward_pass, then misses or wrongly matches one trace
// in a hundred: a flaky CI. So one at a time until that is solved; HARNESS_TEST_WORKERS=2
// runs two.
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
