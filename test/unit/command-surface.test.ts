/**
 * The command surface is the Makefile: every target whose recipe runs one of the harness's
 * entry points passes ARGS through, so `make <target> ARGS=--help` prints that entry
 * point's usage with the pinned Node, whatever Node the machine has.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE_ERROR_EXIT } from '../../stack/cli-args.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

const makefile = fs.readFileSync(path.join(REPO_ROOT, 'Makefile'), 'utf8');

/** target -> the .ts entry point its recipe runs with node, and whether the recipe passes $(ARGS). */
function entryPoints(): { target: string; file: string; args: boolean }[] {
  const out: { target: string; file: string; args: boolean }[] = [];
  let target = '';
  for (const line of makefile.split('\n')) {
    const head = /^([a-z%][\w%-]*):/.exec(line);
    if (head) target = head[1]!;
    const run = /\bnode ([\w/.-]+\.ts)\b/.exec(line);
    if (run && line.startsWith('\t') && target) out.push({ target, file: run[1]!, args: line.includes('$(ARGS)') });
  }
  return out;
}

/** Builds and generators that take no arguments: not part of the surface a user drives. */
const NOT_COMMANDS = new Set(['assets', 'model-pretrained', 'model-own', 'model-compare']);

const commands = entryPoints().filter((e) => !NOT_COMMANDS.has(e.target));

function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe('the command surface (make targets)', () => {
  it('should find the entry points in the Makefile', () => {
    expect(commands.map((c) => c.target)).toEqual(expect.arrayContaining(['faults', 'stack-up', 'scenario-%', 'sampling-lab', 'bench']));
  });

  for (const c of commands) {
    it(`should pass ARGS through and answer --help in make ${c.target} (${c.file})`, () => {
      expect(c.args, `the recipe of ${c.target} does not pass $(ARGS)`).toBe(true);
      const r = node([c.file, ...(c.target === 'scenario-%' ? ['baseline'] : []), ...(c.file === 'stack/cli.ts' ? ['status'] : []), '--help']);
      expect(r.status, r.stderr).toBe(0);
      // The usage names the make target: a plain `node x.ts` fails on a machine whose Node is 20.
      const make = `make ${c.target.replace('%', '<pattern>')}`;
      expect(r.stdout, `the usage of ${c.file} should name ${make}`).toContain(make);
    });
  }

  it('should name an unknown stack command and exit 2', () => {
    const r = node(['stack/cli.ts', 'upp']);
    expect(r.status).toBe(USAGE_ERROR_EXIT);
    expect(r.stderr).toContain("unknown command 'upp'");
  });
});
