/**
 * The Collector configuration layer that runs user policy sets beside the harness's own:
 * for each set a tail_sampling processor with the file's settings, a pipeline from the
 * same OTLP receiver, and an exporter to a Tempo tenant of its own. Loaded as a second
 * --config on top of docker/otelcol/config.yaml, whose maps it extends (new processors,
 * exporters and pipelines) without replacing anything there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { PolicySet } from './policy-file.ts';

/** Tail-sampling feature gates a lab run turns on: which policy kept each span, and the per-policy span and byte counters. */
export const LAB_FEATURE_GATES = [
  'processor.tailsamplingprocessor.recordpolicy',
  'processor.tailsamplingprocessor.metricstatcountspanssampled',
  'processor.tailsamplingprocessor.metricstatcountbytessampled',
];

export const labTenant = (s: Pick<PolicySet, 'name'>): string => `lab-${s.name}`;
export const labProcessor = (s: Pick<PolicySet, 'name'>): string => `tail_sampling/lab-${s.name}`;
const labExporter = (s: Pick<PolicySet, 'name'>): string => `otlp_grpc/tempo-lab-${s.name}`;

/** The layer as a Collector configuration document. */
export function labLayer(sets: PolicySet[]): Record<string, unknown> {
  return {
    processors: Object.fromEntries(sets.map((s) => [labProcessor(s), s.settings])),
    exporters: Object.fromEntries(sets.map((s) => [labExporter(s), {
      endpoint: '${env:TEMPO_OTLP_ENDPOINT}',
      tls: { insecure: true },
      headers: { 'X-Scope-OrgID': labTenant(s) },
      sending_queue: { enabled: true, queue_size: 5000 },
      retry_on_failure: { enabled: true, initial_interval: '500ms', max_interval: '5s', max_elapsed_time: '5m' },
    }])),
    service: {
      pipelines: Object.fromEntries(sets.map((s) => [`traces/lab-${s.name}`, {
        receivers: ['otlp'], processors: [labProcessor(s), 'batch'], exporters: [labExporter(s)],
      }])),
    },
  };
}

/** Writes the layer for `sets` into `dir` and returns its path. */
export function writeLabLayer(sets: PolicySet[], dir: string, name = 'policy-sets.yaml'): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const origin = sets.map((s) => `#   ${labProcessor(s)} <- ${s.source}`).join('\n');
  fs.writeFileSync(file, `# Written by the sampling lab: each user policy set beside the harness's own.\n${origin}\n${stringify(labLayer(sets))}`);
  return file;
}
