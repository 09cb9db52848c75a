import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');

/**
 * The pinned versions of docker/build/versions.env, the single source of truth: plain
 * KEY=value lines that the build scripts source, read here with Node's dotenv parser.
 */
export function readVersions(): Record<string, string> {
  const parsed = parseEnv(fs.readFileSync(path.join(REPO_ROOT, 'docker/build/versions.env'), 'utf8'));
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface ToolPaths {
  tempo: string;
  otelcol: string;
  k6: string;
  prometheus: string;
  promtool: string;
}

export function toolPaths(): ToolPaths {
  const v = readVersions();
  return {
    tempo: path.join(TOOLS_DIR, `tempo-${v.TEMPO_VERSION}`, 'tempo'),
    otelcol: path.join(TOOLS_DIR, `otelcol-${v.OTELCOL_VERSION}`, 'otelcol-harness'),
    k6: path.join(TOOLS_DIR, `k6-${v.K6_VERSION}`, 'k6'),
    prometheus: path.join(TOOLS_DIR, `prometheus-${v.PROMETHEUS_VERSION}`, 'prometheus'),
    promtool: path.join(TOOLS_DIR, `prometheus-${v.PROMETHEUS_VERSION}`, 'promtool'),
  };
}

/** Fails with the command that builds a missing tool, instead of a bare ENOENT later. */
export function requireTool(name: keyof ToolPaths): string {
  const p = toolPaths()[name];
  if (!fs.existsSync(p)) {
    throw new Error(`${name} is not built (expected ${path.relative(REPO_ROOT, p)}); run: make tools`);
  }
  return p;
}
