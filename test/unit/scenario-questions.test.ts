/**
 * Each scenarios/<pattern>.ts opens with the question it answers and loads its pattern by
 * name; both must be patterns.json's, which the runner reads (a scenario renamed or
 * reworded in one place only would answer one question and report another).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/tools.ts';

const DIR = path.join(REPO_ROOT, 'scenarios');
const patterns: Record<string, { question: string }> = JSON.parse(fs.readFileSync(path.join(DIR, 'patterns.json'), 'utf8')).patterns;
/** Scripts that load a pattern (load-only.ts runs the defaults with no pattern of its own). */
const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts')).map((f) => ({ file: f, text: fs.readFileSync(path.join(DIR, f), 'utf8') }))
  .filter((s) => s.text.includes('resolvePattern('));

/** The first paragraph of the file's opening doc comment, its lines joined. */
function openingQuestion(text: string): string | undefined {
  const doc = /^\/\*\*\n((?: \*.*\n)*?) \*\//.exec(text)?.[1];
  if (!doc) return undefined;
  const lines = doc.split('\n').map((l) => l.replace(/^ \* ?/, ''));
  const end = lines.findIndex((l) => l.trim() === '');
  return lines.slice(0, end === -1 ? undefined : end).join(' ').trim();
}

describe('scenarios/<pattern>.ts against patterns.json', () => {
  it('should have a script for every pattern, and a pattern for every script', () => {
    expect(scripts.map((s) => s.file).sort()).toEqual(Object.keys(patterns).map((p) => `${p}.ts`).sort());
  });

  for (const { file, text } of scripts) {
    const name = path.basename(file, '.ts');
    it(`should load pattern '${name}' in ${file}`, () => {
      const loaded = [...text.matchAll(/resolvePattern\([^,]+,\s*'([^']+)'\)/g)].map((m) => m[1]);
      expect(loaded, `${file} loads ${loaded.join(', ') || 'no pattern by a literal name'}`).toEqual([name]);
    });

    it(`should open ${file} with patterns.json's question for '${name}'`, () => {
      expect(openingQuestion(text), `${file}'s opening comment vs patterns.json patterns.${name}.question`).toBe(patterns[name]?.question);
    });
  }
});
