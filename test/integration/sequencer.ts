/**
 * The order integration files start in within a lane (test/lanes.ts), longest first: with
 * two workers each taking the next file when it is free (HARNESS_TEST_WORKERS=2), that keeps
 * the two about equally busy to the end. On a clean clone vitest has no durations of its own
 * yet and would order by file size, which puts the short-to-read, long-to-run scenario file last.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, as measured in make test (2026-12-03, in their lanes); files not named here come after. */
export const LONGEST_FIRST = [
  'sampling', 'trace-delivery', 'scenarios', 'scale-out', 'faults', 'containers', 'external',
  'instrumentation-regression', 'graceful-shutdown', 'foundation', 'lifecycle',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(path.basename(f.moduleId).replace(/\.test\.ts$/, ''));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    const rest = await super.sort(files);
    return [...rest].sort((a, b) => rank(a) - rank(b));
  }
}
