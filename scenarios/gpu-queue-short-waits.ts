/**
 * When competing jobs hold the device slot for batches as small as the requests' own, so that a request waits about one forward pass, how many of the requests that queued can the seed's query (queue wait > forward pass) see?
 *
 * Run it with `make scenario-gpu-queue-short-waits`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'gpu-queue-short-waits');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
