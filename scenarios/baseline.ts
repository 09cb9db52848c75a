/**
 * With no fault at all, does any detection query fire? (It must not: this is the control.)
 *
 * Run it with `make scenario-baseline`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'baseline');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
