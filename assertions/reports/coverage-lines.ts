/** The harness set's diagnostic coverage as lines, for the terminal table and report.html. */
import { COVERAGE_GOAL, type Coverage } from '../sampling/lab/coverage.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** One line per bottleneck class, then the errors and the phase's retention (reported, not judged). */
export function coverageLines(c: Coverage): string[] {
  const classes = Object.entries(c.per_class).map(([f, x]) =>
    `  ${f}: ${x.kept_whole} whole traces kept of ${x.occurred} (${x.kept_whole_per_min.toFixed(1)}/min), ${x.required} required: ${x.met ? 'met' : 'MISSED'}`);
  return [
    `  diagnostic coverage, harness set, ${c.fault_phase_s} s fault phase (${COVERAGE_GOAL.traces_per_min} whole traces/min per class or all, every error):`,
    ...classes,
    `  errors kept: ${c.errors.kept} of ${c.errors.occurred} (its errors policy is unbounded: all by construction); ` +
      `fault-phase retention ${pct(c.retention_fault)} of ${c.fault_phase_requests} (goal at most ${pct(COVERAGE_GOAL.max_fault_retention)}; reported, not judged)`,
  ];
}
