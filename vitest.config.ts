import { defineConfig } from 'vitest/config';
import LongestFirst from './test/integration/sequencer.ts';

// Unit tests need no backend. Integration tests start real processes (Tempo, the
// Collector, Prometheus, the pipeline). `make test` runs them in two lanes side by side
// (test/lanes.ts): the load-sensitive files one at a time at normal priority,
// the rest one at a time at nice 19. Within a lane HARNESS_TEST_WORKERS=2 runs two files at
// a time, each on its own ports (test/integration/helpers/stack.ts shifts them by
// VITEST_POOL_ID); two load-sensitive files at once failed their load checks in 3 of 3 runs
// (unfaulted requests queueing, cold starts kept by the seed's latency policy).
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
