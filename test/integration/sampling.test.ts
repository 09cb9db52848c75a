/**
 * Tail-sampling claims, each shown on the real Collector and Tempo: what happens to
 * spans that arrive after the decision (with and without a decision cache).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE, runLateSpanExperiment } from '../../assertions/sampling/late-spans.ts';
import type { LocalRunningStack } from '../../stack/local.ts';
import { startTestStack } from './helpers/stack.ts';

let stack: LocalRunningStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('late spans', () => {
  it('should keep a late span only while the decided trace is in memory without a decision cache, and always with one', async () => {
    const r = await runLateSpanExperiment(stack, { logDir: path.join(stack.config.runDir, 'logs') });
    console.log(`late spans: trace ${r.trace_id}; without cache Tempo holds ${r.outcomes['no-cache'].stored.length} of 4 spans (lost: ${r.outcomes['no-cache'].lost.join(', ')}); with cache ${r.outcomes.cache.stored.length} of 4 (${r.outcomes.cache.released_from_cache} late spans released from the cache)`);
    expect(r.outcomes['no-cache'].stored).toContain(PROBE.lateInMemory);
    expect(r.outcomes['no-cache'].lost).toEqual([PROBE.lateAfterEviction]);
    expect(r.outcomes.cache.lost).toEqual([]);
    expect(r.outcomes.cache.released_from_cache).toBe(2);
  });
});
