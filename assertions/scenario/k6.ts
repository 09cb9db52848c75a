import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '../../stack/process.ts';
import { REPO_ROOT, requireTool } from '../../stack/tools.ts';
import type { ScenarioSpec } from './config.ts';

export interface K6Result {
  exitCode: number | null;
  /** k6's --summary-export JSON, when it wrote one. */
  summary: Record<string, any> | undefined;
  logFile: string;
}

/** k6's exit code when thresholds failed (it still ran the whole load). */
export const K6_THRESHOLDS_FAILED = 99;

export interface K6Target {
  gatewayUrl: string;
  adminUrl: string;
  token: string;
  otlpHttpUrl: string;
  runDir: string;
}

/** Runs the scenario's k6 script (scenarios/<name>.ts) with the scenario's load. */
export function runK6(spec: ScenarioSpec, target: K6Target): Promise<K6Result> {
  return runK6Script(path.join(REPO_ROOT, 'scenarios', `${spec.name}.ts`), {
    RATE: String(spec.rate), WARMUP_S: String(spec.warmup_s), FAULT_S: String(spec.fault_s), FAULT_KNOBS: JSON.stringify(spec.faults),
  }, target, 'k6');
}

/**
 * Runs one k6 script against the pipeline; k6's own metrics go to the Collector through
 * the built-in OpenTelemetry output. `name` keeps each run's log and summary apart.
 */
export async function runK6Script(script: string, env: Record<string, string>, opts: K6Target, name: string): Promise<K6Result> {
  const k6 = requireTool('k6');
  const summaryFile = path.join(opts.runDir, `${name}-summary.json`);
  const otlp = new URL(opts.otlpHttpUrl);
  const proc = ManagedProcess.start({
    name,
    command: k6,
    args: ['run', '--out', 'opentelemetry', '--summary-export', summaryFile, '--no-color', script],
    env: {
      ...process.env,
      K6_NO_USAGE_REPORT: 'true',
      GATEWAY_URL: opts.gatewayUrl,
      ADMIN_URL: opts.adminUrl,
      FAULT_ADMIN_TOKEN: opts.token,
      ...env,
      K6_OTEL_EXPORTER_PROTOCOL: 'http/protobuf',
      K6_OTEL_HTTP_EXPORTER_ENDPOINT: otlp.host,
      // The URL's own path first: a team's Collector may sit behind a gateway prefix (STACK=external).
      K6_OTEL_HTTP_EXPORTER_URL_PATH: `${otlp.pathname.replace(/\/+$/, '')}/v1/metrics`,
      // A team's Collector (STACK=external) may be behind TLS; the harness's own is plain HTTP.
      K6_OTEL_HTTP_EXPORTER_INSECURE: String(otlp.protocol === 'http:'),
      K6_OTEL_METRIC_PREFIX: 'k6_',
      K6_OTEL_SERVICE_NAME: 'k6',
      K6_OTEL_EXPORT_INTERVAL: '2s',
      K6_OTEL_FLUSH_INTERVAL: '1s',
    },
    cwd: REPO_ROOT,
    logDir: path.join(opts.runDir, 'logs'),
  });
  const exit = await proc.exited;
  let summary: Record<string, any> | undefined;
  try {
    summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  } catch {
    summary = undefined;
  }
  return { exitCode: exit.code, summary, logFile: proc.logFile };
}
