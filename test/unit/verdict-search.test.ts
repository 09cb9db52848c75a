/**
 * The verdict's readings from search hits instead of whole traces fetched by id: a trace's
 * span count (the whole-trace check) and its inference span's queue wait and forward pass.
 */
import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../assertions/tempo/client.ts';
import { hitSpanCount } from '../../assertions/verdict/collect.ts';
import { queueSampleFromHit } from '../../assertions/verdict/queue-ratio.ts';
import { Attr } from '../../target-pipeline/semconv.ts';

const span = (spanID: string, start = '1', attrs: Record<string, number> = {}) => ({
  spanID, startTimeUnixNano: start, attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { doubleValue: v } })),
});

describe('hitSpanCount', () => {
  it('should count distinct span ids over every span set when Tempo lists the spans', () => {
    const hit: SearchHit = { traceID: 't', spanSets: [{ spans: [span('a'), span('b')], matched: 2 }, { spans: [span('b'), span('c')], matched: 2 }] };
    expect(hitSpanCount(hit)).toBe(3);
  });

  it('should take the matched count when it is larger than the spans listed', () => {
    expect(hitSpanCount({ traceID: 't', spanSet: { spans: [span('a')], matched: 11 } })).toBe(11);
  });

  it('should give 0 when the hit carries no span set', () => {
    expect(hitSpanCount({ traceID: 't' })).toBe(0);
  });
});

describe('queueSampleFromHit', () => {
  it('should read the earliest inference span when a re-invocation made two', () => {
    const hit: SearchHit = {
      traceID: 't',
      spanSets: [{ spans: [span('late', '2000', { [Attr.queueWaitMs]: 1, [Attr.forwardPassMs]: 9 }), span('first', '1000', { [Attr.queueWaitMs]: 300.5, [Attr.forwardPassMs]: 12.25 })] }],
    };
    expect(queueSampleFromHit('t', hit)).toEqual({ trace_id: 't', queue_wait_ms: 300.5, forward_pass_ms: 12.25 });
  });

  it('should give nothing when the trace has no inference span or lacks an attribute', () => {
    expect(queueSampleFromHit('t', undefined)).toBeUndefined();
    expect(queueSampleFromHit('t', { traceID: 't', spanSets: [{ spans: [span('a', '1', { [Attr.forwardPassMs]: 9 })] }] })).toBeUndefined();
  });
});
