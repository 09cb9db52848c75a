/**
 * Every command the user-facing docs show must work on a fresh machine whose Node is the
 * system's (20): through make, which bootstraps and uses the pinned Node, never as a
 * plain `node x.ts` or `npx ...`, which run the system's Node and fail on TypeScript
 * (ERR_UNKNOWN_FILE_EXTENSION). Each make target shown must exist in the Makefile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/tools.ts';
import { WORKSHOP_DIR } from '../helpers/workshop.ts';

const DOCS = [
  'README.md',
  'target-pipeline/model/pretrained/README.md',
  ...fs.readdirSync(WORKSHOP_DIR).filter((f) => f.endsWith('.md')).map((f) => path.relative(REPO_ROOT, path.join(WORKSHOP_DIR, f))),
];
const SYSTEM_NODE = /^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(node|npx|npm run)\s/;
const MAKE = /^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*make\s+([a-z][\w-]*)/;

/** Every command a reader may copy: lines of sh/bash blocks, and inline code spans. */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/^```(?:sh|bash)[^\n]*\n([\s\S]*?)^```$/gm)].flatMap((m) => m[1]!.split('\n'));
  const outside = text.replace(/^```[\s\S]*?^```$/gm, '');
  const inline = [...outside.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...inline].map((l) => l.trim()).filter(Boolean);
}

const makefile = fs.readFileSync(path.join(REPO_ROOT, 'Makefile'), 'utf8');
const targets = new Set([...makefile.matchAll(/^([a-z][\w-]*):/gm)].map((m) => m[1]!));
/** make scenario-<pattern> is a pattern rule. */
const known = (t: string) => targets.has(t) || t.startsWith('scenario-');

describe('commands shown in the docs', () => {
  for (const doc of DOCS) {
    const cmds = commands(fs.readFileSync(path.join(REPO_ROOT, doc), 'utf8'));
    it(`should run nothing with the system's Node in ${doc}`, () => {
      expect(cmds.filter((c) => SYSTEM_NODE.test(c))).toEqual([]);
    });
    it(`should name only make targets that exist in ${doc}`, () => {
      expect(cmds.map((c) => MAKE.exec(c)?.[1]).filter((t): t is string => t !== undefined && !known(t))).toEqual([]);
    });
  }
});
