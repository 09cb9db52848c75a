/**
 * Load with no fault of its own: constant arrival at RATE per second for DURATION_S.
 * The sampling experiments (assertions/sampling/) set the faults from the harness
 * between runs of it, so that each step's requests are exactly one k6 run's.
 * Entities and request shape: the defaults of patterns.json.
 */
import type { Options } from 'k6/options';
import { makeSetup, makeTraffic, type PatternConfig } from './lib/pattern.ts';

const file = JSON.parse(open('./patterns.json'));
const num = (k: string, d: number) => (__ENV[k] ? Number(__ENV[k]) : d);
const load: PatternConfig = {
  ...file.defaults,
  question: 'load only',
  faults: {},
  rate: num('RATE', file.defaults.rate),
  entities: num('ENTITIES', file.defaults.entities),
};
const duration = num('DURATION_S', 10);
const vus = Math.max(20, Math.ceil(load.rate * 4));

export const options: Options = {
  scenarios: {
    load: {
      executor: 'constant-arrival-rate', exec: 'traffic', rate: load.rate, timeUnit: '1s',
      duration: `${duration}s`, preAllocatedVUs: vus, maxVUs: vus * 4,
    },
  },
  summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max'],
};
export const setup = makeSetup(load);
export const traffic = makeTraffic(load);
