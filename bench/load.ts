/**
 * What latency and throughput does the pipeline deliver at a fixed arrival rate?
 * A constant-arrival-rate load (open model) against one gateway, no faults; the bench
 * runner calls it once per rate and per tracing setting, and reads --summary-export.
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { BENCH_TEXTS, randomEntityId, randomText } from '../scenarios/lib/traffic.ts';

const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
const RATE = Number(__ENV.RATE || 10);
const DURATION = __ENV.DURATION || '10s';
const ENTITIES = Number(__ENV.ENTITIES || 100);

export const options: Options = {
  scenarios: {
    load: {
      executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: DURATION,
      preAllocatedVUs: Math.max(10, RATE * 2), maxVUs: Math.max(50, RATE * 10),
    },
  },
  summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max'],
};

export default function (): void {
  const res = http.post(`${GATEWAY}/predict`, JSON.stringify({
    model: 'intent-encoder',
    input: randomText(BENCH_TEXTS),
    feature_ids: [randomEntityId(ENTITIES)],
    client_id: 'bench',
  }), { headers: { 'content-type': 'application/json' }, timeout: '30s' });
  check(res, { 'the pipeline answers 200': (r) => r.status === 200 });
}
