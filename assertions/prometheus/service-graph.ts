/**
 * The pipeline's service graph as Prometheus holds it, and the check that it counts what
 * the pipeline did. Two independent paths count the same calls: Tempo's metrics-generator
 * pairs each CLIENT span with the SERVER span under it (docker/tempo/tempo.yaml, tenant
 * full) and remote-writes one counter per edge; the Collector's span-metrics connector
 * counts the spans themselves. Where the graph is right, each edge equals its caller's
 * CLIENT spans on that route (the edge from outside: the gateway's root spans); an edge
 * short of them lost pairs (a SERVER span never arrived, or came after the generator's wait).
 */
import { httpSpanName, Routes, Services, Spans } from '../../target-pipeline/semconv.ts';
import type { PrometheusClient } from './client.ts';

export const SERVICE_GRAPH_REQUESTS = 'traces_service_graph_request_total';
/** Every tenant's graph is written, labelled with its tenant; this one holds every span. */
export const SERVICE_GRAPH_TENANT = 'full';
/** The span-metrics histogram's count, renamed to the seed's name by the Collector (docker/otelcol/config.yaml). */
export const SPAN_METRICS_COUNT = 'duration_ms_count';

/**
 * The client Tempo names for a root SERVER span (no parent): the request came from outside.
 * Its edge counts requests, each against the root spans the span metrics counted.
 */
export const VIRTUAL_ROOT_CLIENT = 'user';

/** An edge of the graph and the span-metrics selector of the spans it must count. */
export interface PipelineEdge {
  client: string;
  server: string;
  /** Span metrics of the spans behind the edge: the caller's CLIENT spans on a route, or the callee's root spans. */
  counts: { service: string; span: string; kind: 'SPAN_KIND_CLIENT' | 'SPAN_KIND_SERVER' };
}

const call = (client: string, server: string, route: string): PipelineEdge =>
  ({ client, server, counts: { service: client, span: httpSpanName('POST', route), kind: 'SPAN_KIND_CLIENT' } });

/** Every edge of the pipeline: the requests from outside, and each call between its services. */
export const PIPELINE_EDGES: readonly PipelineEdge[] = [
  { client: VIRTUAL_ROOT_CLIENT, server: Services.gateway, counts: { service: Services.gateway, span: Spans.pipelineRequest, kind: 'SPAN_KIND_SERVER' } },
  call(Services.gateway, Services.featureExtractor, Routes.features),
  call(Services.gateway, Services.inference, Routes.infer),
  call(Services.gateway, Services.postProcessor, Routes.postprocess),
  // The post-processor re-invokes the model when an output fails validation (output-corruption).
  call(Services.postProcessor, Services.inference, Routes.infer),
];

export interface EdgeCount {
  client: string;
  server: string;
  /** Calls on this edge in the service graph (Tempo's pairs), undefined when it has no series. */
  graph: number | undefined;
  /** The spans behind the edge, as the Collector's span metrics counted them. */
  spans: number | undefined;
}

/** Each pipeline edge's count in the service graph beside the span metrics' count of its spans, at `time` (now when omitted). */
export async function edgeCounts(prom: PrometheusClient, time?: number): Promise<EdgeCount[]> {
  return Promise.all(PIPELINE_EDGES.map(async (e) => ({
    client: e.client,
    server: e.server,
    graph: await prom.value(`sum(${SERVICE_GRAPH_REQUESTS}{tenant="${SERVICE_GRAPH_TENANT}", client="${e.client}", server="${e.server}"})`, time),
    spans: await prom.value(`sum(${SPAN_METRICS_COUNT}{service_name="${e.counts.service}", span_name="${e.counts.span}", span_kind="${e.counts.kind}"})`, time),
  })));
}

/** Edges of the graph the pipeline does not have (a wrong pairing shows up here). */
export async function unexpectedEdges(prom: PrometheusClient): Promise<string[]> {
  const known = new Set(PIPELINE_EDGES.map((e) => `${e.client} -> ${e.server}`));
  const r = await prom.query(`sum by (client, server) (${SERVICE_GRAPH_REQUESTS}{tenant="${SERVICE_GRAPH_TENANT}"})`);
  return r.map((s) => `${s.metric.client} -> ${s.metric.server}`).filter((e) => !known.has(e));
}
