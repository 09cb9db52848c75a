/**
 * What latency and throughput does the pipeline deliver at a fixed arrival rate?
 * A constant-arrival-rate load (open model) against one gateway, no faults; the bench
 * runner calls it once per rate and per tracing setting, and reads --summary-export.
 */
import { check, randomSeed } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { BENCH_TEXTS, randomEntityId, randomText } from '../scenarios/lib/traffic.ts';
import { slotOf, slotSide } from './slots.ts';

const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
const RATE = Number(__ENV.RATE || 10);
const DURATION = __ENV.DURATION || '10s';
const ENTITIES = Number(__ENV.ENTITIES || 100);
// The overhead bench gives both blocks of a round the same seed: every VU then draws the same
// texts and entities on both sides, so the inputs' mix (text length is most of a forward
// pass's time) is not part of the difference between them.
if (__ENV.SEED) randomSeed(Number(__ENV.SEED));
// Interleaved (bench/slots.ts): two gateways, on and off, taking turns slot by slot from
// START_AT (epoch ms) for SLOTS slots of SLOT_MS; an arrival outside them sends nothing.
const URLS = (__ENV.GATEWAY_URLS || '').split(',').filter(Boolean);
const START_AT = Number(__ENV.START_AT || 0);
const SLOT_MS = Number(__ENV.SLOT_MS || 1000);
const SLOTS = Number(__ENV.SLOTS || 0);

function target(): string | undefined {
  if (URLS.length !== 2) return GATEWAY;
  const k = slotOf(Date.now(), START_AT, SLOT_MS);
  return k >= 0 && k < SLOTS ? URLS[slotSide(k)] : undefined;
}

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
  const url = target();
  if (!url) return;
  const res = http.post(`${url}/predict`, JSON.stringify({
    model: 'intent-encoder',
    input: randomText(BENCH_TEXTS),
    feature_ids: [randomEntityId(ENTITIES)],
    client_id: 'bench',
  }), { headers: { 'content-type': 'application/json' }, timeout: '30s' });
  check(res, { 'the pipeline answers 200': (r) => r.status === 200 });
}
