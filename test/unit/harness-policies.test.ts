/**
 * The two harness sets: the bounded one in docker/otelcol/config.yaml (what every scenario
 * runs) and the restated one kept for comparison (docker/otelcol/policies/harness-restated.yaml).
 * They must differ in their policies only, and the bounded one must be able to keep every
 * trace the pipeline makes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../assertions/sampling/lab/policy-file.ts';
import { validatePolicySets } from '../../assertions/sampling/lab/validate.ts';
import { COLLECTOR_CONFIG } from '../../stack/local.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

const RESTATED = path.join(REPO_ROOT, 'docker/otelcol/policies/harness-restated.yaml');
/** The largest trace the pipeline makes (11 spans, db_fallback, tokenizer_init, two re-invocations of 4). */
const LARGEST_TRACE_SPANS = 21;

type Policy = { name: string; type: string; and?: { and_sub_policy: Policy[] }; rate_limiting?: { spans_per_second: number; burst_capacity?: number } };
const bounded = () => parse(fs.readFileSync(COLLECTOR_CONFIG, 'utf8')).processors['tail_sampling/harness'] as Record<string, unknown> & { policies: Policy[] };
const without = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

describe('the harness sets', () => {
  it('should share decision timing and cache, the restated set differing in its policies only', () => {
    const [restated] = loadPolicyFile(RESTATED);
    expect(without(restated!.settings, 'policies')).toEqual(without(bounded(), 'policies', 'sample_on_first_match'));
  });

  it('should keep errors and the baseline unbounded ahead of the classes, and give each class a bucket that fits the largest trace', () => {
    const b = bounded();
    expect(b.sample_on_first_match).toBe(true);
    expect(b.policies.slice(0, 2).map((p) => p.type)).toEqual(['status_code', 'probabilistic']);
    for (const p of b.policies.slice(2)) {
      const subs = p.and?.and_sub_policy ?? [];
      // The limit last: `and` stops at its first refusal, so only the class's own traces spend its tokens.
      const limit = subs.at(-1);
      expect(limit?.type, `${p.name}: ends with a rate limit`).toBe('rate_limiting');
      const burst = limit!.rate_limiting!.burst_capacity ?? 2 * limit!.rate_limiting!.spans_per_second;
      expect(burst, `${p.name}: burst capacity`).toBeGreaterThanOrEqual(LARGEST_TRACE_SPANS);
    }
  });

  it('should have the restated set accepted by the real Collector, as the lab runs it', async () => {
    await validatePolicySets(loadPolicyFile(RESTATED));
  });
});
