/**
 * The layout's dependency rules, checked over every TypeScript source: the system under
 * test (target-pipeline/) imports nothing outside itself, k6 scenarios import nothing
 * outside scenarios/, and no two top-level folders import each other. A failure names
 * the importing file, the line and what it imports.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/tools.ts';

const SKIP = new Set(['node_modules', '.tools', '.runs', 'reports', '.git']);
/** Folders that may import nothing outside themselves. */
const SELF_CONTAINED = ['target-pipeline', 'scenarios'];
/** Tests may import anything; nothing may import them. */
const TESTS = 'test';

interface Edge { from: string; line: number; spec: string; fromTop: string; toTop: string }

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(m|c)?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const topOf = (file: string): string => path.relative(REPO_ROOT, file).split(path.sep)[0]!;

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(REPO_ROOT)) {
    const text = fs.readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), ref.fileName);
      const fromTop = topOf(file);
      const toTop = topOf(target);
      // Files at the root (vitest.config.ts) configure the tools and may name any folder.
      if (!path.relative(REPO_ROOT, file).includes(path.sep)) continue;
      if (fromTop === toTop || toTop.startsWith('..')) continue;
      const line = text.slice(0, ref.pos).split('\n').length;
      out.push({ from: path.relative(REPO_ROOT, file), line, spec: ref.fileName, fromTop, toTop });
    }
  }
  return out;
}

const show = (e: Edge) => `${e.from}:${e.line} imports '${e.spec}' (${e.fromTop} -> ${e.toTop})`;

describe('import graph', () => {
  const all = edges();

  it('should find the imports it checks', () => {
    // Guards the checker itself: the harness side does import the pipeline.
    expect(all.some((e) => e.fromTop === 'faults' && e.toTop === 'target-pipeline')).toBe(true);
  });

  it.each(SELF_CONTAINED)('should keep %s free of imports from any other top-level folder', (top) => {
    expect(all.filter((e) => e.fromTop === top).map(show)).toEqual([]);
  });

  it('should let nothing but tests import the tests', () => {
    expect(all.filter((e) => e.toTop === TESTS && e.fromTop !== TESTS).map(show)).toEqual([]);
  });

  it('should have no two top-level folders that import each other', () => {
    const first = new Map<string, Edge>();
    for (const e of all) if (!first.has(`${e.fromTop}>${e.toTop}`)) first.set(`${e.fromTop}>${e.toTop}`, e);
    const cycles = [...first.values()]
      .filter((e) => e.fromTop < e.toTop && first.has(`${e.toTop}>${e.fromTop}`))
      .map((e) => `${show(e)}, and ${show(first.get(`${e.toTop}>${e.fromTop}`)!)}`);
    expect(cycles).toEqual([]);
  });

  it('should have no longer cycle between top-level folders either', () => {
    const next = new Map<string, Set<string>>();
    for (const e of all) next.set(e.fromTop, (next.get(e.fromTop) ?? new Set()).add(e.toTop));
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(next.get(from) ?? [])].some((n) => n === to || (!seen.has(n) && (seen.add(n), reaches(n, to, seen))));
    expect([...next.keys()].filter((top) => reaches(top, top))).toEqual([]);
  });
});
