import { defineConfig } from 'vitest/config';
import LongestFirst from './test/integration/sequencer.ts';

// Unit tests need no backend. Integration tests start real processes (Tempo, the
// Collector, the pipeline). They can run two files at a time, each on its own ports
// (test/integration/helpers/stack.ts shifts them by VITEST_POOL_ID): 486 s for the
// integration files instead of 908 s, serving the pretrained model. But on this 2-core
// machine the second file's CPU load stretches forward passes about ninefold, and checks
// that compare latencies or queue waits within a run fail now and then (with the generated
// model, the gpu-queue query missed or wrongly matched one trace in a hundred; with the
// pretrained one, a reset's latency came back 20% over its baseline): a flaky CI. So one
// at a time; HARNESS_TEST_WORKERS=2 runs two.
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
