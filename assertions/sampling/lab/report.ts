/**
 * The sampling lab's report: every set in every pattern, and the few claims that can go
 * either way. What a set keeps is measured, not judged (a user's set may keep little on
 * purpose); what is claimed is that the measurement is sound: the sampler's own count of
 * kept traces equals what the tenants hold, and what a set keeps it keeps whole. The
 * harness set's coverage is not claimed here either: its scenario verdicts judge it.
 */
import { COVERAGE_GOAL, goalOverRuns, type GoalVerdict } from './coverage.ts';
import type { SetFigures } from './measure.ts';
import { sweepSummary, type SweepRow } from './sweep.ts';
import { COVERAGE_COLUMNS, coverageRows, intensityLine, markdownTable, POLICY_SET_COLUMNS, policySetRows } from './table.ts';

export interface LabRun {
  pattern: string;
  pass: boolean;
  requests: number;
  faulted: number;
  collector_matches_tempo: boolean;
  sets: SetFigures[];
}

export interface LabReport {
  short: boolean;
  policy_files: string[];
  sets: string[];
  runs: LabRun[];
  errors: string[];
  duration_s: number;
  /** The intensity sweep (--sweep): one row per pattern and level, its runs also in `runs` as <pattern>@<level>. */
  sweep?: { file: string; levels: string[]; rows: SweepRow[] };
}

export interface LabClaim {
  claim: string;
  holds: boolean;
  detail: string;
}

export function labClaims(r: LabReport): LabClaim[] {
  const mismatched = r.runs.filter((x) => !x.collector_matches_tempo).map((x) => x.pattern);
  const split = r.runs.flatMap((x) => x.sets.filter((s) => s.kept_whole.split > 0).map((s) => `${x.pattern}/${s.set}: ${s.kept_whole.split} of ${s.kept_whole.checked}`));
  const unrecorded = r.runs.flatMap((x) => x.sets.filter((s) => (s.kept_by_policy['(not recorded)'] ?? 0) > 0).map((s) => `${x.pattern}/${s.set}`));
  return [
    { claim: 'the sampler\'s count of kept traces equals what the tenants hold, in every run', holds: r.runs.length > 0 && mismatched.length === 0, detail: mismatched.length ? `mismatch in ${mismatched.join(', ')}` : `${r.runs.length} runs` },
    { claim: 'every faulted trace a set kept is whole (every span of tenant full)', holds: split.length === 0, detail: split.length ? split.join('; ') : 'none split' },
    { claim: 'every kept faulted trace names the policy that kept it (tailsampling.policy)', holds: unrecorded.length === 0, detail: unrecorded.length ? `not recorded in ${unrecorded.join(', ')}` : 'all named' },
  ];
}

/** Issue 15's goal per set, over every run of the report (coverage.ts). */
export function labGoals(r: LabReport): Record<string, GoalVerdict> {
  const names = [...new Set(r.runs.flatMap((x) => x.sets.map((s) => s.set)))];
  return Object.fromEntries(names.map((n) => [n, goalOverRuns(r.runs.flatMap((x) => x.sets.filter((s) => s.set === n).map((s) => ({ pattern: x.pattern, coverage: s.coverage }))))]));
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

export function labMarkdown(r: LabReport, claims: LabClaim[]): string {
  const names = [...new Set(r.runs.flatMap((x) => x.sets.map((s) => s.set)))];
  const cell = (x: LabRun, set: string, f: (s: SetFigures) => string) => {
    const s = x.sets.find((y) => y.set === set);
    return s ? f(s) : '-';
  };
  const summary = (title: string, f: (s: SetFigures) => string) => [
    `### ${title}`, '',
    markdownTable(['set', ...r.runs.map((x) => x.pattern)], names.map((n) => [n, ...r.runs.map((x) => cell(x, n, f))])), '',
  ];
  return [
    `# Sampling lab${r.short ? ' (short)' : ''}`, '',
    `Policy files: ${r.policy_files.map((f) => `\`${f}\``).join(', ')}. Each pattern is one scenario run with every set in its own Collector pipeline and Tempo tenant, on the same requests. ${r.duration_s.toFixed(0)} s.`, '',
    'Survival counts the ledger\'s faulted requests a set kept (no detection query is read). The harness set is cost-bounded (a rate-limited budget per bottleneck class, every error, the 3% baseline), so its survival falls as the incident grows; its errors kept are 100% by construction (an unbounded errors policy). The set it replaced, docker/otelcol/policies/harness-restated.yaml (run it with POLICIES=), keeps every trace its conditions select (they restate the detection queries): 100% by construction wherever those queries see every faulted request. The seed\'s and yours can go either way. Stored spans and bytes are what each Tempo tenant received over the run\'s stack life (priming included); bytes can exceed tenant full\'s because the sampler releases each trace in batches of its own, resource and scope repeated.', '',
    '## Claims', '',
    ...claims.map((c) => `- ${c.holds ? 'holds' : '**does not hold**'}: ${c.claim} (${c.detail})`), '',
    ...(r.errors.length ? ['## Could not run', '', ...r.errors.map((e) => `- ${e}`), ''] : []),
    '## Diagnostic coverage', '',
    `The goal (issue 15): in every fault phase at most ${pct(COVERAGE_GOAL.max_fault_retention)} of the requests kept, per fault and per minute at least ${COVERAGE_GOAL.traces_per_min} whole traces kept (or all, when fewer occurred), every error (5xx) kept. Classes are the ledger's faults, not detection queries. Judged at each pattern's own intensity (scenarios/patterns.json), shown per pattern.`, '',
    markdownTable(['set', 'goal', 'missed'], Object.entries(labGoals(r)).map(([n, g]) => [n, g.met ? 'met' : 'missed', g.missed.join('; ') || '-'])), '',
    ...r.runs.flatMap((x) => [`### ${x.pattern}`, '', intensityLine(x.sets), '', markdownTable(COVERAGE_COLUMNS, coverageRows(x.sets)), '']),
    ...(r.sweep ? sweepMarkdown(r.sweep) : []),
    '## Every set, every pattern', '',
    ...summary('Survival of faulted traces (lowest fault of the pattern)', (s) => pct(s.survival_min)),
    ...summary('Retention of all traces in the fault phase', (s) => pct(s.retention.fault)),
    ...summary('Retention of all traces in the warm-up', (s) => pct(s.retention.warmup)),
    ...summary('Bytes stored, share of tenant full', (s) => pct(s.stored.bytes_share_of_full)),
    ...r.runs.flatMap((x) => [`## ${x.pattern}: ${x.requests} requests, ${x.faulted} faulted`, '', markdownTable(POLICY_SET_COLUMNS, policySetRows(x.sets)), '']),
  ].join('\n');
}

const intensityText = (row: SweepRow): string => Object.entries(row.intensity).map(([f, x]) => `${f} ${pct(x!)}`).join(', ') || '-';

/** The sweep: every run's sets with realised intensity, cost and coverage, then each set's worst case per level. */
export function sweepMarkdown(sw: NonNullable<LabReport['sweep']>): string[] {
  const rows = sw.rows.flatMap((row) => row.sets.map((s, i) => [
    i === 0 ? row.pattern : '', i === 0 ? `${row.level} (aim ${pct(row.target)})` : '', i === 0 ? intensityText(row) : '',
    s.set, pct(s.survival_min), pct(s.retention_fault), `${(s.bytes / 1024).toFixed(0)} KiB (${pct(s.bytes_share_of_full)})`,
    `${pct(s.coverage_score)}${s.goal_met ? ', goal met' : ''}`, s.on_frontier ? 'yes' : '-',
  ]));
  const summary = sweepSummary(sw.rows, sw.levels);
  return [
    '## Intensity sweep', '',
    `Each fault pattern at each level of \`${sw.file}\` (the knobs there in place of the pattern's own; load and phases the pattern's). The aim is the share of the fault phase's requests a level's knobs are meant to affect; the realised share is the ledger's. Coverage is the lowest over the run's classes of whole traces kept / required, and of errors kept / errors (100% when the goal's coverage part is met). A set is on the frontier of a run when no other set kept at most as much with at least as much coverage, one of the two strictly.`, '',
    markdownTable(['pattern', 'level', 'realised intensity', 'set', 'survival (lowest fault)', 'retention fault phase', 'bytes stored (share of full)', 'coverage', 'on frontier'], rows), '',
    '### Per set over the sweep', '',
    markdownTable(['set', 'runs', 'on the frontier', 'goal met', ...sw.levels.map((l) => `highest retention, ${l}`), ...sw.levels.map((l) => `lowest coverage, ${l}`)],
      summary.map((x) => [x.set, String(x.runs), String(x.on_frontier), String(x.goal_met),
        ...sw.levels.map((l) => pct(x.max_retention_by_level[l] ?? null)), ...sw.levels.map((l) => pct(x.min_coverage_by_level[l] ?? null))])), '',
  ];
}
