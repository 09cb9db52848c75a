import { describe, expect, it } from 'vitest';
import { attrsToRecord, spansOf, type OtlpTrace } from '../../assertions/tempo/client.ts';
import { queueSample } from '../../assertions/verdict/queue-ratio.ts';
import { DEFAULT_FAULT_FRACTIONS, faultsOf, generateRequest, otlpBody } from '../../bench/verdict-traces.ts';
import { FAULT_NAMES, type FaultName } from '../../faults/registry.ts';
import { Attr, EVERY_REQUEST_SPANS, Spans } from '../../target-pipeline/semconv.ts';

const SEED = 16;
const N = 2000;
const T0 = 1_700_000_000_000;
const requests = Array.from({ length: N }, (_, i) => generateRequest({ seed: SEED }, i, T0 + i));
const traceOf = (i: number): OtlpTrace => otlpBody([requests[i]!]);
const spans = (i: number) => spansOf(traceOf(i)).map((s) => ({ ...s, attrs: attrsToRecord(s.attributes) }));
const postAttempts = (i: number) => Number(spans(i).find((s) => s.name === Spans.postProcessing)!.attrs[Attr.validationAttempts]);
const names = (i: number) => spans(i).map((s) => s.name);
const hit = (f: FaultName) => requests.map((_, i) => i).filter((i) => requests[i]!.entry.faults.includes(f));
const missed = (f: FaultName) => requests.map((_, i) => i).filter((i) => !requests[i]!.entry.faults.includes(f));

/** Each fault's natural signal, as its detection query (scenarios/patterns.json) asks for it. */
const SIGNAL: Record<FaultName, (i: number) => boolean> = {
  'cache-eviction': (i) => names(i).includes(Spans.dbFallback),
  'gpu-starvation': (i) => {
    const q = queueSample('', traceOf(i))!;
    return q.queue_wait_ms > q.forward_pass_ms;
  },
  'output-corruption': (i) => postAttempts(i) >= 2,
  'tokenizer-reload': (i) => names(i).includes(Spans.tokenizerInit),
};

describe('verdict-scale trace generator', () => {
  it('should give an unfaulted request exactly the spans every request makes', () => {
    const clean = requests.map((_, i) => i).filter((i) => requests[i]!.entry.faults.length === 0);
    expect(clean.length).toBeGreaterThan(N / 2);
    for (const i of clean.slice(0, 50)) expect(names(i).sort()).toEqual([...EVERY_REQUEST_SPANS].sort());
  });

  it('should link every span to a parent in its own trace, under one root', () => {
    for (const i of [0, 1, ...hit('tokenizer-reload').slice(0, 3), ...hit('cache-eviction').slice(0, 3)]) {
      const ss = spans(i);
      const ids = new Set(ss.map((s) => s.spanId));
      expect(ss.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual([Spans.pipelineRequest]);
      for (const s of ss) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
      expect(new Set(ss.map((s) => s.traceId))).toEqual(new Set([requests[i]!.entry.trace_id]));
      const root = ss.find((s) => !s.parentSpanId)!;
      for (const s of ss) {
        expect(BigInt(s.startTimeUnixNano) >= BigInt(root.startTimeUnixNano)).toBe(true);
        expect(BigInt(s.endTimeUnixNano) <= BigInt(root.endTimeUnixNano)).toBe(true);
      }
    }
  });

  it.each(FAULT_NAMES)('should give the %s signal to the requests the ledger says it hit, and to no other', (f) => {
    expect(hit(f).length).toBeGreaterThan(0);
    for (const i of hit(f)) expect(SIGNAL[f](i), `request ${i}`).toBe(true);
    for (const i of missed(f)) expect(SIGNAL[f](i), `request ${i}`).toBe(false);
  });

  it('should hit each fault at about its fraction when many requests are drawn', () => {
    // Binomial(2000, p): 5 standard deviations either side.
    for (const f of FAULT_NAMES) {
      const p = DEFAULT_FAULT_FRACTIONS[f];
      expect(Math.abs(hit(f).length - N * p)).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
    }
  });

  it('should give the same request for the same seed and index, and another for another seed', () => {
    expect(generateRequest({ seed: SEED }, 7, T0)).toEqual(generateRequest({ seed: SEED }, 7, T0));
    expect(generateRequest({ seed: SEED + 1 }, 7, T0).entry.trace_id).not.toBe(requests[7]!.entry.trace_id);
    expect(faultsOf({ seed: SEED }, 7)).toEqual(requests[7]!.entry.faults);
    expect(new Set(requests.map((r) => r.entry.trace_id)).size).toBe(N);
  });

  it('should write the ledger entry the trace shows: start, latency and a 32-digit trace id', () => {
    const r = requests[3]!;
    const root = spans(3).find((s) => s.name === Spans.pipelineRequest)!;
    expect(r.entry.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.entry.ts).toBe(T0 + 3);
    expect(Number(BigInt(root.endTimeUnixNano) - BigInt(root.startTimeUnixNano)) / 1e6).toBeCloseTo(r.entry.latency_ms, 2);
    expect(root.attrs[Attr.pipelineLatencyMs]).toBe(r.entry.latency_ms);
  });
});
