/**
 * With all four bottlenecks at moderate rates at once, is each still found by its own query, and is there a single trace that shows three problems together?
 *
 * Run it with `make scenario-mixed`, which starts the stack and the pipeline, runs this
 * script, then checks the traces against the ledger. Knobs and load: patterns.json.
 */
import { buildOptions, makeEnableFaults, makeSetup, makeTeardown, makeTraffic, resolvePattern } from './lib/pattern.ts';

const pattern = resolvePattern(JSON.parse(open('./patterns.json')), 'mixed');

export const options = buildOptions(pattern);
export const setup = makeSetup(pattern);
export const traffic = makeTraffic(pattern);
export const enableFaults = makeEnableFaults(pattern);
export const teardown = makeTeardown(pattern);
