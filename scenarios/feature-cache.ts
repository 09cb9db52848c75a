/**
 * When feature-cache entries are evicted and lookups fall back to the store, does every affected trace show db_fallback, and does tail sampling keep enough of them whole to diagnose it?
 *
 * Run it with `make scenario-feature-cache`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'feature-cache');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
