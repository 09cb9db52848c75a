/**
 * Argument parsing shared by the harness's command-line entry points (node:util
 * parseArgs, strict): --help prints the usage and exits 0; an unknown option, a missing
 * value or the wrong number of positionals prints what was wrong and the usage, and exits
 * 2, the code every entry point gives when the harness could not run.
 */
import { parseArgs, type ParseArgsConfig, type ParseArgsOptionsConfig } from 'node:util';

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

export const USAGE_ERROR_EXIT = 2;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** Prefixes every error line, e.g. 'run-scenario'. */
  name: string;
  /** Printed whole for --help, and after every usage error. */
  usage: string;
  options: O;
  /** How many positionals the command takes (default: none). */
  positionals?: { min: number; max: number };
}

export function parseCli<O extends ParseArgsOptionsConfig>(spec: CliSpec<O>, args: string[] = process.argv.slice(2)) {
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  // Positionals are always allowed here and counted below, so the error names the count.
  let parsed: Parsed<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>;
  try {
    parsed = parseArgs({ args, options: { ...spec.options, ...HELP }, allowPositionals: true, strict: true });
  } catch (err) {
    usageError(spec, (err as Error).message);
  }
  // O is generic here, so TypeScript cannot resolve the values' type inside this function.
  if ((parsed.values as { help?: boolean }).help) {
    console.log(spec.usage);
    process.exit(0);
  }
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const expected = max === 0 ? 'no arguments' : `${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}`;
    usageError(spec, `expected ${expected}, got ${n}${n ? ` (${parsed.positionals.join(' ')})` : ''}`);
  }
  return parsed;
}

/** Prints what was wrong with the command line and the usage, then exits 2. */
export function usageError(spec: Pick<CliSpec<ParseArgsOptionsConfig>, 'name' | 'usage'>, message: string): never {
  console.error(`${spec.name}: ${message}\n\n${spec.usage}`);
  process.exit(USAGE_ERROR_EXIT);
}
