import { defineConfig } from 'vitest/config';

// Unit tests need no backend; integration tests start real processes (Tempo, the
// Collector, the pipeline) and so run one file at a time on this 2-core machine.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
