/**
 * In-memory tracing for unit tests: a real SDK tracer provider whose spans land in an
 * InMemorySpanExporter, with the async-hooks context manager and W3C propagation that
 * the services rely on. No backend.
 */
import type { Server } from 'node:http';
import { context, metrics, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Express } from 'express';

export const exporter = new InMemorySpanExporter();
let installed = false;

export function tracing(): { tracer: Tracer; meter: ReturnType<MeterProvider['getMeter']> } {
  if (!installed) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    metrics.setGlobalMeterProvider(new MeterProvider());
    installed = true;
  }
  return { tracer: trace.getTracer('unit'), meter: metrics.getMeter('unit') };
}

export function spans(name?: string): ReadableSpan[] {
  const all = exporter.getFinishedSpans();
  return name ? all.filter((s) => s.name === name) : all;
}

export function only(name: string): ReadableSpan {
  const found = spans(name);
  if (found.length !== 1) throw new Error(`expected one '${name}' span, got ${found.length} (all: ${spans().map((s) => s.name).join(', ')})`);
  return found[0]!;
}

export function parentName(s: ReadableSpan): string | undefined {
  const parentId = s.parentSpanContext?.spanId;
  return spans().find((p) => p.spanContext().spanId === parentId)?.name;
}

export async function listen(app: Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server });
    });
  });
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}
