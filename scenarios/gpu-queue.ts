/**
 * When device slots are taken by competing jobs, does the seed's query (queue wait > forward pass) find every request that queued, and does tail sampling keep them?
 *
 * Run it with `make scenario-gpu-queue`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'gpu-queue');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
