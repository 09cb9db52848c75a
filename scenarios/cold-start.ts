/**
 * When the tokenizer is discarded and rebuilt from its files, does a tokenizer_init span mark exactly the affected requests, and does any tail-sampling policy keep them?
 *
 * Run it with `make scenario-cold-start`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'cold-start');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
