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
import { labClaims, type LabReport } from '../../assertions/sampling/lab/report.ts';
import { validatePolicySets } from '../../assertions/sampling/lab/validate.ts';
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
      stored: { spans: 0, bytes: 0, spans_share_of_full: 0, bytes_share_of_full: 0 }, kept_whole: { checked: 3, split: 0 }, kept_by_policy: { a: 3 }, decided: 3, ...over,
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
