/**
 * Starting one Collector process and knowing when it is really ready. Shared by the
 * default stack and by the sampling experiments (late spans, the scale-out topology),
 * which run extra Collectors with their own configs beside it.
 */
import { ManagedProcess } from './process.ts';
import { requireTool } from './tools.ts';
import { waitForHttpOk } from './wait.ts';

export const COLLECTOR_READY_LINE = /Everything is ready/;

/** The first error the Collector logged, which is why it will not become ready. */
export function firstErrorLine(logText: string): string | undefined {
  const line = logText.split('\n').find((l) => /\terror\t/.test(l));
  return line ? `the Collector logged an error: ${line.slice(0, 400)}` : undefined;
}

export interface CollectorSpec {
  /** Process and log name (otelcol, otelcol-front-a...). */
  name: string;
  configFile: string;
  /** Further --config files on top of configFile, and feature gates (StackConfig.collectorLayers). */
  layers?: { files: string[]; featureGates: string[] };
  /** Values for the config's ${env:...} placeholders, on top of process.env. */
  env: Record<string, string>;
  /** The health_check extension's URL. */
  healthUrl: string;
  logDir: string;
  readyTimeoutMs: number;
  detached?: boolean;
}

/** The Collector's command line: its config, each layer on top, and the feature gates they need. */
export function collectorArgs(configFile: string, layers?: { files: string[]; featureGates: string[] }): string[] {
  return [
    `--config=${configFile}`,
    ...(layers?.files ?? []).map((f) => `--config=${f}`),
    ...(layers?.featureGates.length ? [`--feature-gates=${layers.featureGates.join(',')}`] : []),
  ];
}

/** Starts a Collector and waits until it is healthy and has started every pipeline. */
export async function startCollector(spec: CollectorSpec): Promise<ManagedProcess> {
  const proc = ManagedProcess.start({
    name: spec.name, command: requireTool('otelcol'), args: collectorArgs(spec.configFile, spec.layers),
    env: { ...process.env, ...spec.env }, logDir: spec.logDir, detached: spec.detached,
  });
  try {
    await waitForHttpOk(spec.healthUrl, {
      what: `${spec.name} healthy at ${spec.healthUrl}`, timeoutMs: spec.readyTimeoutMs, abortIf: () => proc.deathReason(),
    });
    // The health endpoint answers before the pipelines start; a bad processor config
    // only shows afterwards. Ready means the Collector said so and is still running.
    await proc.waitForLog(COLLECTOR_READY_LINE, `${spec.name} to start every pipeline`, spec.readyTimeoutMs, () => firstErrorLine(proc.logText()));
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
