/**
 * The fault CLI's command line, through the process a user starts (`make faults ARGS=...`
 * runs exactly this file): help, the ledger command's option, and exit code 2 with the
 * usage for each wrong command line, before any request is sent.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/tools.ts';

const CLI = path.join(REPO_ROOT, 'faults/cli.ts');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FAULT_ADMIN_TOKEN: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('faults CLI', () => {
  it('should show every command in the make form a fresh machine can run', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    for (const c of ['list', 'apply <fault> <variant>', 'status', 'reset', 'ledger [--last N]']) expect(r.out).toContain(`make faults ARGS="${c}`);
    expect(r.out).not.toMatch(/^\s*node faults\/cli\.ts/m);
  });

  it('should refuse --last that is not a whole number >= 1, or on another command', () => {
    expect(run('ledger', '--last', '0')).toMatchObject({ code: 2, err: expect.stringContaining("--last takes a whole number of entries >= 1, got '0'") });
    expect(run('status', '--last', '3')).toMatchObject({ code: 2, err: expect.stringContaining('--last belongs to the ledger command') });
  });

  it('should say which setting is missing rather than send a request without a token', () => {
    expect(run('ledger')).toMatchObject({ code: 2, err: expect.stringContaining('FAULT_ADMIN_TOKEN environment variable must be set') });
  });
});
