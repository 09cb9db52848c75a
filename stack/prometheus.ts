/**
 * Prometheus for a run: its config rendered into the run folder (Prometheus expands no
 * environment variables), checked by promtool before anything starts, then the server
 * started on it and waited for. Shared by both stack providers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from './process.ts';
import { REPO_ROOT, requireTool } from './tools.ts';
import { waitForHttpOk } from './wait.ts';

export const PROMETHEUS_DIR = path.join(REPO_ROOT, 'docker/prometheus');
export const PROMETHEUS_TEMPLATE = path.join(PROMETHEUS_DIR, 'prometheus.yml');
export const PROMETHEUS_RULES = path.join(PROMETHEUS_DIR, 'rules.yml');
/** Data and the rendered config of a run live here, under the run folder. */
export const PROMETHEUS_RUN_SUBDIR = 'prometheus';
/** The scrape job of the pipeline's metrics (docker/prometheus/prometheus.yml): the dashboard's reading waits on its scrapes. */
export const PIPELINE_SCRAPE_JOB = 'pipeline';

export class PrometheusConfigError extends Error {
  override name = 'PrometheusConfigError';
}

/** Replaces every ${env:NAME} of a template; a name without a value is an error naming the file. */
export function renderTemplate(text: string, env: Record<string, string>, file: string): string {
  return text.replace(/\$\{env:([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new PrometheusConfigError(`${file}: \${env:${name}} has no value (the stack sets ${Object.keys(env).join(', ')})`);
    return v;
  });
}

export interface RenderedPrometheusConfig {
  /** The folder holding prometheus.yml and rules.yml, as Prometheus will read them. */
  dir: string;
  configFile: string;
}

/**
 * Writes the rendered prometheus.yml and a copy of rules.yml side by side (rule_files
 * are relative to the config file), then has promtool check both. A file that does not
 * parse stops the start with promtool's own message and the repository file it came from.
 */
export function preparePrometheusConfig(runDir: string, env: Record<string, string>, opts: { template?: string; rules?: string } = {}): RenderedPrometheusConfig {
  const template = opts.template ?? PROMETHEUS_TEMPLATE;
  const rules = opts.rules ?? PROMETHEUS_RULES;
  const dir = path.join(runDir, PROMETHEUS_RUN_SUBDIR);
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, renderTemplate(fs.readFileSync(template, 'utf8'), env, path.relative(REPO_ROOT, template)));
  fs.copyFileSync(rules, path.join(dir, 'rules.yml'));
  const r = spawnSync(requireTool('promtool'), ['check', 'config', configFile], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || r.error?.message || `exit ${r.status}`;
    throw new PrometheusConfigError(
      `promtool rejected the Prometheus configuration (from ${path.relative(REPO_ROOT, template)} and ${path.relative(REPO_ROOT, rules)}, rendered in ${dir}):\n${said}`);
  }
  return { dir, configFile };
}

export interface PrometheusSpec {
  host: string;
  port: number;
  config: RenderedPrometheusConfig;
  logDir: string;
  readyTimeoutMs: number;
  detached?: boolean;
}

/** Prometheus's command line, the same for a process and a container. */
export function prometheusFlags(configFile: string, dataDir: string, listen: string): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${listen}`,
    // Tempo's metrics-generator writes the service graph here (PROMETHEUS_REMOTE_WRITE_PATH).
    '--web.enable-remote-write-receiver',
    // A run's data is read minutes after it is written, never days.
    '--storage.tsdb.retention.time=1d',
  ];
}

/** Starts Prometheus on a checked config, its data beside the config, and waits until /-/ready answers. */
export async function startPrometheus(spec: PrometheusSpec): Promise<ManagedProcess> {
  const url = `http://${spec.host}:${spec.port}`;
  const proc = ManagedProcess.start({
    name: 'prometheus', command: requireTool('prometheus'),
    args: prometheusFlags(spec.config.configFile, path.join(spec.config.dir, 'data'), `${spec.host}:${spec.port}`),
    env: process.env, logDir: spec.logDir, detached: spec.detached,
  });
  try {
    await waitForHttpOk(`${url}/-/ready`, { what: `Prometheus ready at ${url}/-/ready`, timeoutMs: spec.readyTimeoutMs, abortIf: () => proc.deathReason() });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
