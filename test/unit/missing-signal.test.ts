/** Naming the signal a detection query found missing, from the missed traces themselves. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../faults/ledger.ts';
import { faultVerdict, judge, keptUnfaulted } from '../../assertions/verdict/compute.ts';
import { explainMissed, querySignals, type SpanFacts } from '../../assertions/verdict/missing-signal.ts';
import { Attr, Spans } from '../../target-pipeline/semconv.ts';

const GPU_QUERY = `{ span.${Attr.queueWaitMs} > span.${Attr.forwardPassMs} }`;
const CACHE_QUERY = `{ name = "${Spans.dbFallback}" }`;
const ATTEMPTS_QUERY = `{ span.${Attr.validationAttempts} >= 2 }`;

const span = (name: string, attributes: Record<string, unknown> = {}): SpanFacts => ({ name, attributes });
const trace = (...spans: SpanFacts[]): SpanFacts[] => [span(Spans.pipelineRequest), span(Spans.featureExtraction), ...spans];

describe('querySignals', () => {
  it('should find the span names and span attributes a query refers to', () => {
    expect(querySignals(GPU_QUERY)).toEqual({ spans: [], attrs: [Attr.queueWaitMs, Attr.forwardPassMs] });
    expect(querySignals(CACHE_QUERY)).toEqual({ spans: [Spans.dbFallback], attrs: [] });
  });
});

describe('explainMissed', () => {
  it('should name the attribute and the span it is missing on when that span carries the query\'s other attribute', () => {
    const t = trace(span(Spans.inference, { [Attr.forwardPassMs]: 12 }));
    expect(explainMissed(GPU_QUERY, [t, t, t])).toBe(`signal ${Attr.queueWaitMs} missing on every ${Spans.inference} span of 3 missed traces inspected`);
  });

  it('should find the span an attribute belongs on by its name prefix when the query names one attribute', () => {
    const t = trace(span(Spans.postProcessing, { [Attr.outputValid]: true }));
    expect(explainMissed(ATTEMPTS_QUERY, [t, t])).toBe(`signal ${Attr.validationAttempts} missing on every ${Spans.postProcessing} span of 2 missed traces inspected`);
  });

  it('should name a span the query looks for when no missed trace has it', () => {
    const t = trace(span(Spans.cacheLookup));
    expect(explainMissed(CACHE_QUERY, [t, t, t, t])).toBe(`signal ${Spans.dbFallback} missing: no ${Spans.dbFallback} span in any of 4 missed traces inspected`);
  });

  it('should say the signals are present when only the values fail the query', () => {
    const t = trace(span(Spans.inference, { [Attr.queueWaitMs]: 1, [Attr.forwardPassMs]: 12 }));
    const why = explainMissed(GPU_QUERY, [t]);
    expect(why).toContain('present in all 1 missed trace inspected');
    expect(why).not.toContain('missing');
  });

  it('should blame delivery, not instrumentation, when the missed traces are not in tenant full', () => {
    expect(explainMissed(CACHE_QUERY, [null, null])).toContain('none of the 2 missed traces inspected is in tenant full');
  });

  it('should report a signal present on only some missed traces without calling it missing', () => {
    const why = explainMissed(CACHE_QUERY, [trace(span(Spans.dbFallback)), trace()]);
    expect(why).toBe(`signals present on some of 2 missed traces inspected only: ${Spans.dbFallback} span in 1 of 2`);
  });
});

describe('judge, recall failure', () => {
  it('should name the query and the missing signal in the recall mismatch', () => {
    const entry = (i: number): LedgerEntry => ({ seq: i, trace_id: i.toString(16).padStart(32, '0'), request_id: `r${i}`, ts: i, faults: ['gpu-starvation'], status: 200, latency_ms: 50 });
    const es = [entry(1), entry(2)];
    const v = faultVerdict('gpu-starvation', GPU_QUERY, es, new Set(), new Set(), new Set());
    v.missed_explained = explainMissed(GPU_QUERY, [trace(span(Spans.inference, { [Attr.forwardPassMs]: 3 }))]);
    const m = judge([v], keptUnfaulted([], new Set()), 0).find((f) => f.path === 'gpu-starvation.recall');
    expect(`${m?.path}: expected ${m?.expected}, got ${m?.actual}`).toBe(
      `gpu-starvation.recall: expected >= 0.99, got 0.0000 — no faulted trace matched ${GPU_QUERY}: signal ${Attr.queueWaitMs} missing on every ${Spans.inference} span of 1 missed trace inspected`,
    );
  });
});
