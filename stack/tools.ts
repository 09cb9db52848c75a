import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');

/** The pinned versions of docker/build/versions.env, the single source of truth. */
export function readVersions(): Record<string, string> {
  const file = path.join(REPO_ROOT, 'docker/build/versions.env');
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

export interface ToolPaths {
  tempo: string;
  otelcol: string;
  k6: string;
}

export function toolPaths(): ToolPaths {
  const v = readVersions();
  return {
    tempo: path.join(TOOLS_DIR, `tempo-${v.TEMPO_VERSION}`, 'tempo'),
    otelcol: path.join(TOOLS_DIR, `otelcol-${v.OTELCOL_VERSION}`, 'otelcol-harness'),
    k6: path.join(TOOLS_DIR, `k6-${v.K6_VERSION}`, 'k6'),
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
