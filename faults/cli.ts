/**
 * Apply fault presets by name and read the ground truth; the commands are in USAGE
 * (--help). Run through `make faults ARGS="..."`, which uses the pinned Node.
 */
import { parseArgs } from 'node:util';
import { AdminClient } from './admin/client.ts';
import { loadPresets, variantKnobs } from './presets.ts';

const DEFAULT_LEDGER_LAST = 20;

const USAGE = `usage (from the checkout's root; make runs this file with the pinned Node):
  make faults ARGS="list"                       the presets and their variants
  make faults ARGS="apply <fault> <variant>"    variant 'off' resets that fault... and all others: DELETE is global
  make faults ARGS="status"                     each fault's knobs and counters
  make faults ARGS="reset"                      every fault off (DELETE /faults)
  make faults ARGS="ledger [--last N]"          the ground truth: one JSON line per request (trace id, status, latency, faults), the last N (default ${DEFAULT_LEDGER_LAST})
  make faults ARGS="--help"

Reads HARNESS_ADMIN_URL (default http://127.0.0.1:9180) and FAULT_ADMIN_TOKEN.
Exit code 2 on any failure (a wrong command line included).`;
/** The arguments each command takes after its name. */
const COMMAND_ARGS: Record<string, string[]> = { list: [], apply: ['<fault>', '<variant>'], status: [], reset: [], ledger: [] };


// faults/ sits below stack/ in the harness's layers, so it parses its one command line
// itself rather than through stack/cli-args.ts.
function usageError(message: string): never {
  console.error(`faults: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const OPTIONS = { help: { type: 'boolean', short: 'h' }, last: { type: 'string' } } as const;
let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
try {
  parsed = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true });
} catch (err) {
  usageError((err as Error).message);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [cmd, fault, variant] = parsed.positionals;
const wanted = cmd === undefined ? undefined : COMMAND_ARGS[cmd];
if (!wanted) usageError(cmd === undefined ? 'a command is required' : `unknown command '${cmd}'`);
const given = parsed.positionals.slice(1);
if (wanted.length !== given.length) {
  usageError(`${cmd} takes ${wanted.length ? wanted.join(' ') : 'no arguments'}, got ${given.length ? `'${given.join(' ')}'` : 'none'}`);
}
if (parsed.values.last !== undefined && cmd !== 'ledger') usageError('--last belongs to the ledger command');
const last = Number(parsed.values.last ?? DEFAULT_LEDGER_LAST);
if (!Number.isInteger(last) || last < 1) usageError(`--last takes a whole number of entries >= 1, got '${parsed.values.last}'`);
const presets = loadPresets();
const client = () => {
  const token = process.env.FAULT_ADMIN_TOKEN;
  if (!token) throw new Error('FAULT_ADMIN_TOKEN environment variable must be set (the token the pipeline was started with)');
  return new AdminClient(process.env.HARNESS_ADMIN_URL ?? 'http://127.0.0.1:9180', token);
};

try {
  switch (cmd) {
    case 'list':
      for (const [name, f] of Object.entries(presets.flags)) console.log(`${name.padEnd(18)} ${Object.keys(f.variants).join(' | ')}\n  ${f.description}`);
      break;
    case 'apply': {
      if (!fault || !variant) usageError('apply takes <fault> <variant>'); // checked above; narrows the types
      const knobs = variantKnobs(presets, fault, variant);
      const out = knobs === null ? await client().reset() : await client().enable(fault, knobs);
      console.log(JSON.stringify(out, null, 2));
      break;
    }
    case 'status':
      console.log(JSON.stringify(await client().status(), null, 2));
      break;
    case 'reset':
      console.log(JSON.stringify(await client().reset(), null, 2));
      break;
    case 'ledger':
      for (const e of (await client().ledgerAll()).slice(-last)) console.log(JSON.stringify(e));
      break;
    default:
      usageError(`unknown command '${cmd}'`);
  }
} catch (err) {
  console.error(`faults: ${(err as Error).message}`);
  process.exit(2);
}
