/**
 * HARNESS_BREAK_INSTRUMENTATION: a CI self-test switch that removes one instrumentation
 * point at a time, so a test can prove the harness catches the regression (the matching
 * scenario must then fail, naming the missing signal). It removes a signal, never a
 * bottleneck: the work at each point still happens for real, only its span or attribute
 * is not recorded. Off by default; the services read it once at start.
 */
import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import { z } from 'zod';
import { Attr, Spans } from '../semconv.ts';

/** Every point that can be broken, with the signal it removes (names from semconv.ts). */
export const BREAK_POINTS = {
  'queue-wait-attr': { service: 'inference', removes: Attr.queueWaitMs, what: `${Spans.inference} does not set ${Attr.queueWaitMs}` },
  'db-fallback-span': { service: 'feature-extractor', removes: Spans.dbFallback, what: `the store fallback runs, but no ${Spans.dbFallback} span is recorded` },
  'tokenizer-init-span': { service: 'inference', removes: Spans.tokenizerInit, what: `the tokenizer is rebuilt, but no ${Spans.tokenizerInit} span is recorded` },
  'validation-attempts-attr': { service: 'post-processor', removes: Attr.validationAttempts, what: `${Spans.postProcessing} does not set ${Attr.validationAttempts}` },
} as const;
export type BreakPoint = keyof typeof BREAK_POINTS;
export const BREAK_POINT_NAMES = Object.keys(BREAK_POINTS) as BreakPoint[];

/** The points broken in this process; empty in every normal run. */
export type BrokenPoints = ReadonlySet<BreakPoint>;

/** `<point>[,<point>]`, or empty for none; an unknown name is named with the known ones. */
export const breakPointsSchema = z.string().default('').transform((s, ctx): BrokenPoints => {
  const list = s.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = list.filter((p) => !(p in BREAK_POINTS));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `unknown instrumentation point ${bad.map((b) => JSON.stringify(b)).join(', ')}; known: ${BREAK_POINT_NAMES.join(', ')}` });
    return z.NEVER;
  }
  return new Set(list as BreakPoint[]);
});

/**
 * The API's no-op tracer (a proxy with no delegate): code run under it behaves exactly as
 * under the real one, but its spans are never recorded, so a broken span point keeps its
 * work and loses only the span.
 */
export const UNRECORDED_TRACER: Tracer = new ProxyTracerProvider().getTracer('harness-break-instrumentation');

/** The tracer for one span point: the real one, or the unrecorded one when that point is broken. */
export function tracerFor(point: BreakPoint, tracer: Tracer, broken: BrokenPoints | undefined): Tracer {
  return broken?.has(point) ? UNRECORDED_TRACER : tracer;
}
