/**
 * Does one request through the real pipeline (four processes, W3C context over HTTP)
 * become one trace in Tempo with every span of the contract, the right parent-child
 * structure across the services, and the contract's resource attributes?
 */
import { describe, expect, it } from 'vitest';
import { spansOf, type OtlpSpan } from '../../assertions/tempo/client.ts';
import { waitFor } from '../../stack/wait.ts';
import { Attr, Events, httpSpanName, ResourceAttr, Routes, Services, Spans } from '../../target-pipeline/semconv.ts';
import { traceIdFromTraceResponse } from '../../target-pipeline/telemetry/http.ts';
import { admin, predictBody, useTestRig } from './helpers/pipeline.ts';

const rig = useTestRig();

async function predict(body: unknown): Promise<{ status: number; json: any; traceId: string | undefined }> {
  const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), traceId: traceIdFromTraceResponse(res.headers.get('traceresponse')) };
}

describe('one request, one trace', () => {
  it('should carry every contract span across the four services when the request touches every path', async () => {
    // A fresh entity (db_fallback), an unknown one (unavailable event), and a tokenizer rebuild.
    expect((await admin(rig.pipeline, 'PUT', '/faults/tokenizer-reload', { every_n: 1 })).status).toBe(200);
    const r = await predict(predictBody({ feature_ids: ['user-000777', 'ghost-000001'] }));
    await admin(rig.pipeline, 'DELETE', '/faults');
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.result.label).toBeTypeOf('string');
    const trace = await waitFor(async () => {
      const t = await rig.full.traceById(r.traceId!);
      return t && spansOf(t).length >= 13 ? t : undefined;
    }, { what: `trace ${r.traceId} with all its spans in tenant full`, timeoutMs: 60_000 });

    const spans = spansOf(trace);
    const byName = new Map(spans.map((s) => [s.name, s]));
    const names = [Spans.pipelineRequest, Spans.inputValidation, Spans.featureExtraction, Spans.cacheLookup, Spans.dbFallback,
      Spans.batchAssembly, Spans.tokenizerInit, Spans.inference, Spans.postProcessing];
    for (const n of names) expect(byName.has(n), `span ${n} missing; got ${spans.map((s) => s.name).join(', ')}`).toBe(true);

    const parentOf = (s: OtlpSpan | undefined) => spans.find((p) => p.spanId === s?.parentSpanId);
    /** The names from a span's parent up to the root, each with its kind where it is an HTTP span. */
    const ancestry = (n: string): string[] => {
      const out: string[] = [];
      for (let p = parentOf(byName.get(n)); p; p = parentOf(p)) out.push(p.name.startsWith('POST ') ? `${p.name} (${String(p.kind)})` : p.name);
      return out;
    };
    const client = (route: string) => `${httpSpanName('POST', route)} (SPAN_KIND_CLIENT)`;
    const server = (route: string) => `${httpSpanName('POST', route)} (SPAN_KIND_SERVER)`;
    const root = byName.get(Spans.pipelineRequest)!;
    expect(root.parentSpanId ?? '').toBe('');
    expect(root.kind).toBe('SPAN_KIND_SERVER');
    // The contract's tree, with the HTTP CLIENT/SERVER pair of each call between services in it.
    expect(ancestry(Spans.inputValidation)).toEqual([Spans.pipelineRequest]);
    expect(ancestry(Spans.featureExtraction)).toEqual([client(Routes.features), Spans.pipelineRequest]);
    expect(byName.get(Spans.featureExtraction)!.kind).toBe('SPAN_KIND_SERVER');
    expect(ancestry(Spans.cacheLookup)).toEqual([Spans.featureExtraction, client(Routes.features), Spans.pipelineRequest]);
    expect(ancestry(Spans.dbFallback)).toEqual([Spans.featureExtraction, client(Routes.features), Spans.pipelineRequest]);
    expect(ancestry(Spans.batchAssembly)).toEqual([server(Routes.infer), client(Routes.infer), Spans.pipelineRequest]);
    expect(ancestry(Spans.tokenizerInit)).toEqual([Spans.batchAssembly, server(Routes.infer), client(Routes.infer), Spans.pipelineRequest]);
    expect(ancestry(Spans.inference)).toEqual([server(Routes.infer), client(Routes.infer), Spans.pipelineRequest]);
    expect(ancestry(Spans.postProcessing)).toEqual([client(Routes.postprocess), Spans.pipelineRequest]);
    expect(byName.get(Spans.postProcessing)!.kind).toBe('SPAN_KIND_SERVER');

    const service = (n: string) => spans.find((s) => s.name === n)?.serviceName;
    expect(service(Spans.pipelineRequest)).toBe(Services.gateway);
    expect(service(Spans.featureExtraction)).toBe(Services.featureExtractor);
    expect(service(Spans.inference)).toBe(Services.inference);
    expect(service(Spans.postProcessing)).toBe(Services.postProcessor);
    for (const s of spans) {
      for (const k of Object.values(ResourceAttr)) expect(s.resource[k], `${s.name}: resource ${k}`).toBeTruthy();
      expect(s.resource[ResourceAttr.pipelineName]).toBe(root && spans[0]!.resource[ResourceAttr.pipelineName]);
    }

    const attrs = (n: string) => Object.fromEntries((byName.get(n)?.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue ?? a.value.boolValue]));
    const rootA = attrs(Spans.pipelineRequest);
    for (const k of [Attr.requestId, Attr.modelName, Attr.inputType, Attr.inputSizeBytes, Attr.clientId, Attr.outputTokens, Attr.pipelineSuccess, Attr.pipelineLatencyMs]) {
      expect(rootA[k], `root attribute ${k}`).toBeDefined();
    }
    const fe = attrs(Spans.featureExtraction);
    expect(Number(fe[Attr.featuresRequested])).toBe(2);
    expect(Number(fe[Attr.featuresUnavailable])).toBe(1);
    expect(Number(fe[Attr.featuresDbLookupMs])).toBeGreaterThan(0);
    expect(byName.get(Spans.featureExtraction)!.events?.map((e) => e.name)).toContain(Events.featuresUnavailable);
    const inf = attrs(Spans.inference);
    for (const k of [Attr.batchSize, Attr.batchMaxSeqLen, Attr.modelVersion, Attr.deviceType, Attr.deviceId, Attr.queueWaitMs, Attr.forwardPassMs]) {
      expect(inf[k], `inference attribute ${k}`).toBeDefined();
    }
    expect(inf[Attr.deviceType]).toBe(r.json.device);
    expect(Number(attrs(Spans.postProcessing)[Attr.validationAttempts])).toBe(1);
  });

  it('should reject a malformed request with a 4xx naming the problem and an ERROR validation span', async () => {
    const r = await predict(predictBody({ feature_ids: 'user-000001' as unknown as string[] }));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/feature_ids/);
    const trace = await waitFor(() => rig.full.traceById(r.traceId!), { what: `trace ${r.traceId}`, timeoutMs: 60_000 });
    const v = spansOf(trace).find((s) => s.name === Spans.inputValidation);
    expect(v?.status?.code === 2 || v?.status?.code === 'STATUS_CODE_ERROR').toBe(true);
    // And the next valid request is unaffected.
    expect((await predict(predictBody())).status).toBe(200);
  });
});
