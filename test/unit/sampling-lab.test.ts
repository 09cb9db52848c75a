/**
 * The sampling lab's edges: a policy file in each shape a team keeps one, refused with its
 * name when it holds none, and judged by the real Collector (started once per set) before
 * anything runs; the layer that runs the sets; the claims over a report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labLayer, labProcessor, labTenant } from '../../assertions/sampling/lab/layer.ts';
import { policyOf } from '../../assertions/sampling/lab/measure.ts';
import { loadPolicyFile, loadPolicyFiles, PolicyFileError, policyFileList, policySets } from '../../assertions/sampling/lab/policy-file.ts';
import { COVERAGE_GOAL, diagnosticCoverage, goalOverRuns, goalVerdict, type CoverageInput } from '../../assertions/sampling/lab/coverage.ts';
import { labClaims, labGoals, labMarkdown, type LabReport } from '../../assertions/sampling/lab/report.ts';
import { validatePolicySets } from '../../assertions/sampling/lab/validate.ts';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/policies');
const fixture = (f: string) => path.join(FIXTURES, f);
const tmpFile = (name: string, text: string): string => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-')), name);
  fs.writeFileSync(f, text);
  return f;
};

describe('a policy file', () => {
  it('should read each shape: a whole Collector configuration, a tail_sampling block, its settings, a bare list', () => {
    const whole = loadPolicyFile(fixture('team-collector.yaml'));
    expect(whole.map((s) => s.name)).toEqual(['team-collector']);
    expect(whole[0]!.settings).toMatchObject({ decision_wait: '5s', num_traces: 20000 });
    expect((whole[0]!.settings.policies as unknown[]).length).toBe(3);
    expect(loadPolicyFile(fixture('span-budget.yaml'))[0]!.settings).toMatchObject({ decision_wait: '4s' });
    expect(loadPolicyFile(fixture('errors-and-slow.yaml'))[0]!.settings.policies).toHaveLength(3);
    expect(policySets({ policies: [{ name: 'a', type: 'always_sample' }] }, 'x.yaml')[0]!.settings).toEqual({ policies: [{ name: 'a', type: 'always_sample' }] });
  });

  it('should make one set per tail_sampling processor of a configuration, named after the file and the processor', () => {
    const doc = { processors: { 'tail_sampling/a': { policies: [] }, 'tail_sampling/b': { policies: [] }, batch: {} }, service: {} };
    expect(policySets(doc, '/x/Team Policies.yaml').map((s) => s.name)).toEqual(['team-policies-a', 'team-policies-b']);
  });

  it('should make two files of one name two sets, and read POLICIES as a comma-separated list', () => {
    const a = tmpFile('p.yaml', '- { name: a, type: always_sample }\n');
    const b = tmpFile('p.yaml', '- { name: b, type: always_sample }\n');
    expect(loadPolicyFiles([a, b]).map((s) => s.name)).toEqual(['p', 'p-2']);
    expect(policyFileList(' a.yaml, ,b.yaml ')).toEqual([path.resolve('a.yaml'), path.resolve('b.yaml')]);
    expect(policyFileList(undefined)).toEqual([]);
  });

  it('should refuse, naming the file and what it holds, a file with no policies, a configuration without a tail sampler, bad YAML and a missing file', () => {
    const cases: [string, RegExp][] = [
      [tmpFile('empty.yaml', ''), /empty\.yaml: expected .* got an empty file/],
      [tmpFile('keys.yaml', 'decision_wait: 5s\n'), /keys\.yaml: no policies found \(top-level keys: decision_wait\)/],
      [tmpFile('conf.yaml', 'processors: { batch: {} }\nservice: {}\n'), /conf\.yaml: a Collector configuration without a tail_sampling processor \(processors: batch\)/],
      [tmpFile('bad.yaml', 'policies: [a\n'), /bad\.yaml: not YAML/],
      [tmpFile('list.yaml', 'policies: { a: 1 }\n'), /list\.yaml: policies must be a list/],
      ['/nonexistent/p.yaml', /\/nonexistent\/p\.yaml: cannot be read \(ENOENT\)/],
    ];
    for (const [f, msg] of cases) expect(() => loadPolicyFile(f), f).toThrow(msg);
    expect(() => loadPolicyFile(cases[0]![0])).toThrow(PolicyFileError);
  });
});

describe('the real Collector judging a set', () => {
  it('should accept each fixture a team could have written', async () => {
    await validatePolicySets(loadPolicyFiles(['team-collector.yaml', 'span-budget.yaml', 'errors-and-slow.yaml'].map(fixture)));
  });

  it('should refuse a policy type it does not know, with its own message and the file, though `otelcol validate` passes it', async () => {
    const sets = loadPolicyFiles([fixture('unknown-policy-type.yaml')]);
    await expect(validatePolicySets(sets)).rejects.toThrow(/unknown-policy-type\.yaml: the Collector refused it: .*unknown sampling policy type sometimes/);
  });

  it('should refuse a setting it does not know, naming the key', async () => {
    const sets = loadPolicyFiles([tmpFile('typo.yaml', 'decision_wiat: 5s\npolicies: [{ name: a, type: always_sample }]\n')]);
    await expect(validatePolicySets(sets)).rejects.toThrow(/typo\.yaml: the Collector refused it: .*decision_wiat/);
  });
});

describe('the lab layer', () => {
  it('should give each set a processor with the file\'s settings, a pipeline from the shared receiver and an exporter to its own tenant', () => {
    const set = { name: 'mine', source: 'mine.yaml', settings: { policies: [{ name: 'a', type: 'always_sample' }] } };
    const layer = parse(JSON.stringify(labLayer([set]))) as any;
    expect(layer.processors[labProcessor(set)]).toEqual(set.settings);
    expect(layer.exporters['otlp_grpc/tempo-lab-mine'].headers).toEqual({ 'X-Scope-OrgID': labTenant(set) });
    expect(layer.service.pipelines['traces/lab-mine']).toEqual({ receivers: ['otlp'], processors: [labProcessor(set), 'batch'], exporters: ['otlp_grpc/tempo-lab-mine'] });
    expect(labTenant(set)).toBe('lab-mine');
  });
});

describe('the lab\'s measurement', () => {
  it('should read the keeping policy from a scope attribute, and say when none was recorded', () => {
    const trace = { resourceSpans: [{ scopeSpans: [{ scope: { attributes: [{ key: 'tailsampling.policy', value: { stringValue: 'keep-slow' } }] }, spans: [] }] }] };
    expect(policyOf(trace)).toBe('keep-slow');
    expect(policyOf({ resourceSpans: [{ scopeSpans: [{ spans: [] }] }] })).toBe('(not recorded)');
  });

  it('should fail a claim when a run\'s counts disagree, a kept trace is split, or a kept trace names no policy', () => {
    const set = (over: object) => ({
      set: 's', source: 's.yaml', tenant: 'lab-s', survival: {}, survival_min: null, retention: { all: 0, warmup: 0, fault: 0 },
      stored: { spans: 0, bytes: 0, spans_share_of_full: 0, bytes_share_of_full: 0 }, kept_whole: { checked: 3, split: 0 }, kept_by_policy: { a: 3 }, decided: 3,
      coverage: diagnosticCoverage({ entries: [], faults: [], kept: new Set(), split: new Set(), fault_start_ms: 0, fault_s: 20 }), goal: { met: true, missed: [] }, ...over,
    });
    const report = (runs: LabReport['runs']): LabReport => ({ short: true, policy_files: [], sets: ['s'], runs, errors: [], duration_s: 1 });
    const ok = { pattern: 'p', pass: true, requests: 3, faulted: 3, collector_matches_tempo: true, sets: [set({})] };
    expect(labClaims(report([ok])).every((c) => c.holds)).toBe(true);
    expect(labClaims(report([{ ...ok, collector_matches_tempo: false }]))[0]!.holds).toBe(false);
    expect(labClaims(report([{ ...ok, sets: [set({ kept_whole: { checked: 3, split: 1 } })] }]))[1]!.holds).toBe(false);
    expect(labClaims(report([{ ...ok, sets: [set({ kept_by_policy: { '(not recorded)': 1 } })] }]))[2]!.holds).toBe(false);
    expect(labClaims(report([]))[0]!.holds).toBe(false);
  });
});

describe('diagnostic coverage', () => {
  const FAULT_START = 10_000;
  // A run of 20 s of fault phase: `n` requests of a fault, `m` unfaulted ones, ids in order.
  const entries = (spec: { fault?: string; n: number; status?: number; ts?: number }[]): LedgerEntry[] => {
    let seq = 0;
    return spec.flatMap(({ fault, n, status = 200, ts = FAULT_START }) => Array.from({ length: n }, () => {
      seq += 1;
      return { seq, trace_id: `t${seq}`, request_id: `r${seq}`, ts, status, latency_ms: 30, faults: fault ? [fault] : [] };
    }));
  };
  const input = (e: LedgerEntry[], kept: string[], split: string[] = [], fault_s = 20): CoverageInput => ({
    entries: e, faults: ['gpu-starvation'], kept: new Set(kept), split: new Set(split), fault_start_ms: FAULT_START, fault_s,
  });
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `t${from + i}`);

  it('should ask for traces_per_min whole traces over the fault phase, and count only whole kept traces of that phase', () => {
    // 100 faulted (t1..t100), 100 unfaulted (t101..t200); 20 s asks for 30 x 20/60 = 10.
    const e = entries([{ fault: 'gpu-starvation', n: 100 }, { n: 100 }]);
    const c = diagnosticCoverage(input(e, [...ids(1, 11), 't150'], ['t1', 't2']));
    const g = c.per_class['gpu-starvation']!;
    expect(g).toMatchObject({ occurred: 100, intensity: 0.5, kept: 11, kept_whole: 9, required: 10, met: false });
    expect(g.kept_whole_per_min).toBeCloseTo(27);
    expect(c.retention_fault).toBeCloseTo(12 / 200);
    expect(goalVerdict(c).missed).toEqual(['gpu-starvation: 9 whole of 10 required (27.0/min of 300.0/min occurred; short by 1)']);
    expect(goalVerdict(diagnosticCoverage(input(e, ids(1, 10)))).met).toBe(true);
  });

  it('should ask for all of a class when fewer occur than the goal, and leave the warm-up out', () => {
    const e = [...entries([{ fault: 'gpu-starvation', n: 4, ts: 0 }]), ...entries([{ fault: 'gpu-starvation', n: 3 }, { n: 50 }]).map((x) => ({ ...x, trace_id: `p${x.seq}` }))];
    const c = diagnosticCoverage(input(e, ['p1', 'p2']));
    expect(c.per_class['gpu-starvation']).toMatchObject({ occurred: 3, required: 3, kept_whole: 2, met: false });
    expect(c.fault_phase_requests).toBe(53);
    expect(goalVerdict(diagnosticCoverage(input(e, ['p1', 'p2', 'p3']))).met).toBe(true);
  });

  it('should miss the goal when fault-phase retention is over the bound, or an error is dropped, saying by how much', () => {
    // 5 faulted (all asked for), 90 unfaulted, 5 errors: keeping the 10 is exactly the bound.
    const e = entries([{ fault: 'gpu-starvation', n: 5 }, { n: 90 }, { n: 5, status: 503 }]);
    const errorsKept = ids(96, 100);
    expect(goalVerdict(diagnosticCoverage(input(e, [...ids(1, 5), ...errorsKept]))).met).toBe(true);
    const over = diagnosticCoverage(input(e, [...ids(1, 5), ...ids(6, 12), ...errorsKept]));
    expect(over.retention_fault).toBeCloseTo(0.17);
    expect(goalVerdict(over).missed).toEqual([expect.stringMatching(/^fault-phase retention 17\.0% > 10\.0% \(by 7\.0 points\)$/)]);
    const dropped = diagnosticCoverage(input(e, [...ids(1, 5), 't96']));
    expect(dropped.errors).toEqual({ occurred: 5, kept: 1 });
    expect(goalVerdict(dropped).missed).toEqual(['errors: 1 of 5 kept (short by 4)']);
    expect(COVERAGE_GOAL.max_fault_retention).toBe(0.1);
  });

  it('should judge a set over every run, naming the run of each miss, and write the verdict in lab.md', () => {
    const e = entries([{ fault: 'gpu-starvation', n: 20 }, { n: 180 }]);
    const good = diagnosticCoverage(input(e, ids(1, 10)));
    const bad = diagnosticCoverage(input(e, ids(1, 5)));
    expect(goalOverRuns([{ pattern: 'a', coverage: good }, { pattern: 'b', coverage: bad }]).missed).toEqual([expect.stringMatching(/^b: gpu-starvation: 5 whole of 10 required/)]);
    expect(goalOverRuns([]).met).toBe(false);
    const figures = (name: string, c: typeof good) => ({
      set: name, source: `${name}.yaml`, tenant: `lab-${name}`, survival: {}, survival_min: null, retention: { all: 0, warmup: 0, fault: c.retention_fault },
      stored: { spans: 0, bytes: 2048, spans_share_of_full: 0, bytes_share_of_full: 0.05 }, kept_whole: { checked: 0, split: 0 }, kept_by_policy: {}, decided: 0,
      coverage: c, goal: goalVerdict(c),
    });
    const r: LabReport = { short: true, policy_files: [], sets: ['good', 'bad'], errors: [], duration_s: 1, runs: [{ pattern: 'gpu-queue', pass: true, requests: 200, faulted: 20, collector_matches_tempo: true, sets: [figures('good', good), figures('bad', bad)] }] };
    expect(labGoals(r)).toMatchObject({ good: { met: true }, bad: { met: false } });
    const md = labMarkdown(r, labClaims(r));
    expect(md).toContain('## Diagnostic coverage');
    expect(md).toContain('| good | met | - |');
    expect(md).toContain('gpu-starvation 20 (10.0%)');
    expect(md).toContain('gpu-starvation 30.0/min (10/20)');
  });
});
