/**
 * The gpu-queue verdict's distribution of queue wait against forward pass, and the rule
 * that a miss of the seed's query is explained only by a wait no longer than the
 * request's own forward pass.
 */
import { describe, expect, it } from 'vitest';
import { faultVerdict, judge, keptUnfaulted } from '../../assertions/verdict/compute.ts';
import { queueDistribution, queueSample, SEED_QUEUE_POLICY_MS } from '../../assertions/verdict/queue-ratio.ts';
import type { OtlpTrace } from '../../assertions/tempo/client.ts';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';

const num = (v: number) => ({ doubleValue: v });
/** A trace as Tempo returns it, with one ml.inference span. */
function trace(queue: number | undefined, forward: number): OtlpTrace {
  const attributes = [
    ...(queue === undefined ? [] : [{ key: Attr.queueWaitMs, value: num(queue) }]),
    { key: Attr.forwardPassMs, value: num(forward) },
  ];
  return { resourceSpans: [{ scopeSpans: [{ spans: [{ name: Spans.inference, attributes, startTimeUnixNano: '0', endTimeUnixNano: '1' }] }] }] } as unknown as OtlpTrace;
}

describe('queueSample', () => {
  it('should read both attributes of the inference span', () => {
    expect(queueSample('t', trace(40.5, 6.25))).toEqual({ trace_id: 't', queue_wait_ms: 40.5, forward_pass_ms: 6.25 });
  });

  it('should give nothing when the trace or the queue attribute is missing', () => {
    expect(queueSample('t', undefined)).toBeUndefined();
    expect(queueSample('t', trace(undefined, 6))).toBeUndefined();
  });
});

describe('queueDistribution', () => {
  const samples = [
    { trace_id: 'a', queue_wait_ms: 400, forward_pass_ms: 10 },
    { trace_id: 'b', queue_wait_ms: 5, forward_pass_ms: 10 },
    { trace_id: 'c', queue_wait_ms: 10, forward_pass_ms: 10 },
    undefined,
  ];

  it('should count the waits the query cannot see, those over the seed policy, and what was not measured', () => {
    const q = queueDistribution(samples, new Set(['b', 'c']));
    expect(q).toMatchObject({ measured: 3, unmeasured: 1, not_longer_than_forward: 2, over_seed_queue_policy: 1, missed_unexplained: [] });
    expect(q.ratio.p50).toBe(1);
    expect(SEED_QUEUE_POLICY_MS).toBe(300);
  });

  it('should name a missed request whose wait was longer than its forward pass', () => {
    expect(queueDistribution(samples, new Set(['a'])).missed_unexplained).toEqual(['a']);
  });
});

describe('judge with the queue distribution', () => {
  const e = (i: number): LedgerEntry => ({ seq: i, trace_id: `t${i}`, request_id: `r${i}`, ts: 0, status: 200, latency_ms: 20, faults: ['gpu-starvation'] });
  const entries = [e(1), e(2)];
  const verdictWith = (mode: 'judged' | 'measured', missedUnexplained: string[]) => {
    const v = faultVerdict('gpu-starvation', 'q', entries, new Set(['t1']), new Set(['t1', 't2']), new Set());
    v.recall_mode = mode;
    v.queue = queueDistribution([{ trace_id: 't1', queue_wait_ms: 50, forward_pass_ms: 5 }, { trace_id: 't2', queue_wait_ms: 2, forward_pass_ms: 5 }], new Set(missedUnexplained));
    return judge([v], keptUnfaulted([], new Set()), 0).map((m) => m.path);
  };

  it('should judge recall in a judged pattern and only report it in a measured one', () => {
    expect(verdictWith('judged', [])).toEqual(['gpu-starvation.recall']);
    expect(verdictWith('measured', [])).toEqual([]);
  });

  it('should report, not judge, what the harness set kept of the traces a measured pattern\'s query matched', () => {
    const v = faultVerdict('gpu-starvation', 'q', entries, new Set(['t1']), new Set(), new Set());
    v.recall_mode = 'measured';
    expect(v.survival_detected).toBe(0);
    expect(judge([v], keptUnfaulted([], new Set()), 0)).toEqual([]);
  });

  it('should fail a measured pattern when a miss waited longer than its forward pass', () => {
    expect(verdictWith('measured', ['t1'])).toEqual(['gpu-starvation.queue.missed_unexplained']);
  });
});
