import type { ParseArgsOptionsConfig } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli, USAGE_ERROR_EXIT, type CliSpec } from '../../stack/cli-args.ts';

const SPEC = { name: 'demo', usage: 'usage: demo <pattern> [--short]', options: { short: { type: 'boolean' } }, positionals: { min: 1, max: 1 } } as const;

/** Runs parseCli with process.exit and the console captured: what it printed and how it exited. */
function run(args: string[], spec: CliSpec<ParseArgsOptionsConfig> = SPEC): { code: number | undefined; out: string; err: string; result?: ReturnType<typeof parseCli> } {
  const printed = { out: '', err: '' };
  vi.spyOn(console, 'log').mockImplementation((s: string) => void (printed.out += s));
  vi.spyOn(console, 'error').mockImplementation((s: string) => void (printed.err += s));
  vi.spyOn(process, 'exit').mockImplementation(((code: number) => { throw Object.assign(new Error('exit'), { code }); }) as never);
  try {
    const result = parseCli(spec, args);
    return { code: undefined, ...printed, result };
  } catch (e) {
    return { code: (e as { code: number }).code, ...printed };
  }
}

afterEach(() => vi.restoreAllMocks());

describe('parseCli', () => {
  it('should return the options and positionals when the command line is right', () => {
    const r = run(['baseline', '--short']);
    expect(r.code).toBeUndefined();
    expect(r.result?.values.short).toBe(true);
    expect(r.result?.positionals).toEqual(['baseline']);
  });

  it('should print the usage and exit 0 when asked for --help or -h', () => {
    for (const flag of ['--help', '-h']) {
      const r = run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(SPEC.usage);
    }
  });

  it('should name an unknown option and exit 2 with the usage', () => {
    const r = run(['baseline', '--shrot']);
    expect(r.code).toBe(USAGE_ERROR_EXIT);
    expect(r.err).toContain("demo: Unknown option '--shrot'");
    expect(r.err).toContain(SPEC.usage);
  });

  it('should say how many arguments it expected when the count is wrong', () => {
    expect(run([]).err).toContain('demo: expected 1 argument, got 0');
    const r = run(['a', 'b']);
    expect(r.code).toBe(USAGE_ERROR_EXIT);
    expect(r.err).toContain('expected 1 argument, got 2 (a b)');
  });

  it('should reject any positional when the command takes none', () => {
    const r = run(['stray'], { name: 'bench', usage: 'u', options: {} });
    expect(r.code).toBe(USAGE_ERROR_EXIT);
    expect(r.err).toContain('bench: expected no arguments, got 1 (stray)');
  });
});
