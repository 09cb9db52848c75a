/**
 * Builds a scenario from its entry in patterns.json: an open-model load (constant
 * arrival rate: a closed loop would hide queueing) with a warm-up, a one-iteration
 * scenario that turns the faults on when the warm-up ends, and the fault phase.
 * URLs and the admin token come from the environment the runner sets.
 */
import { check, fail } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { randomEntityId, randomText } from './traffic.ts';

export interface PatternConfig {
  question: string;
  faults: Record<string, Record<string, unknown>>;
  rate: number;
  warmup_s: number;
  fault_s: number;
  entities: number;
  ids_per_request: number;
  max_error_rate: number;
}

interface PatternsFile {
  defaults: Omit<PatternConfig, 'question' | 'faults'>;
  patterns: Record<string, Partial<PatternConfig> & { question: string; faults: PatternConfig['faults'] }>;
}

const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
const ADMIN = __ENV.ADMIN_URL || 'http://127.0.0.1:9180';
const TOKEN = __ENV.FAULT_ADMIN_TOKEN || '';
const MODEL = __ENV.MODEL_NAME || 'intent-encoder';

export function resolvePattern(file: PatternsFile, name: string): PatternConfig {
  const p = file.patterns[name];
  if (!p) fail(`unknown pattern '${name}' (known: ${Object.keys(file.patterns).join(', ')})`);
  const num = (k: string, d: number) => (__ENV[k] ? Number(__ENV[k]) : d);
  const merged = { ...file.defaults, ...p } as PatternConfig;
  // The runner passes the knobs it judges by (the sampling lab's intensity levels replace the pattern's own).
  const faults = __ENV.FAULT_KNOBS ? (JSON.parse(__ENV.FAULT_KNOBS) as PatternConfig['faults']) : merged.faults;
  return {
    ...merged,
    faults,
    rate: num('RATE', merged.rate),
    warmup_s: num('WARMUP_S', merged.warmup_s),
    fault_s: num('FAULT_S', merged.fault_s),
    entities: num('ENTITIES', merged.entities),
  };
}

export function buildOptions(p: PatternConfig): Options {
  const vus = Math.max(20, Math.ceil(p.rate * 4));
  return {
    scenarios: {
      warmup: {
        executor: 'constant-arrival-rate', exec: 'traffic', rate: p.rate, timeUnit: '1s',
        duration: `${p.warmup_s}s`, preAllocatedVUs: vus, maxVUs: vus * 4,
      },
      faults_on: {
        executor: 'shared-iterations', exec: 'enableFaults', vus: 1, iterations: 1, startTime: `${p.warmup_s}s`,
      },
      fault_phase: {
        executor: 'constant-arrival-rate', exec: 'traffic', rate: p.rate, timeUnit: '1s',
        duration: `${p.fault_s}s`, startTime: `${p.warmup_s}s`, preAllocatedVUs: vus, maxVUs: vus * 4,
      },
    },
    thresholds: {
      // The bottlenecks make requests slow, never failed: HTTP errors must stay near zero.
      'http_req_failed{scenario:warmup}': ['rate<0.01'],
      'http_req_failed{scenario:fault_phase}': [`rate<=${p.max_error_rate}`],
      'http_req_duration{scenario:warmup}': ['p(95)<2000'],
      'checks{check:the pipeline answers 200}': [`rate>=${1 - p.max_error_rate}`],
    },
    summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max'],
  };
}

export function makeSetup(p: PatternConfig) {
  return () => {
    const health = http.get(`${GATEWAY}/healthz`, { timeout: '5s' });
    if (health.status !== 200) {
      fail(`the pipeline is not answering at ${GATEWAY} (status ${health.status}); start it with 'make pipeline-up' (with FAULT_INJECTION=on) or run 'make scenario-<pattern>', which starts everything`);
    }
    if (Object.keys(p.faults).length > 0) {
      const res = http.get(`${ADMIN}/faults`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (res.status !== 200) fail(`the fault admin API at ${ADMIN} answered ${res.status}: ${res.body}; set FAULT_ADMIN_TOKEN to the pipeline's token`);
    }
    return { started: Date.now() };
  };
}

export function makeTraffic(p: PatternConfig) {
  return () => {
    const ids: string[] = [];
    for (let i = 0; i < p.ids_per_request; i++) ids.push(randomEntityId(p.entities));
    const body = JSON.stringify({
      model: MODEL,
      input: randomText(),
      feature_ids: ids,
      client_id: `k6-vu-${__VU}`,
    });
    const res = http.post(`${GATEWAY}/predict`, body, { headers: { 'content-type': 'application/json' }, timeout: '30s' });
    let parsed: { result?: { label?: string } } = {};
    try {
      parsed = res.json() as typeof parsed;
    } catch {
      parsed = {};
    }
    check(res, {
      'the pipeline answers 200': (r) => r.status === 200,
      'the answer carries its trace id in traceresponse': (r) => /^00-[0-9a-f]{32}-/.test(String(r.headers['Traceresponse'] ?? '')),
      'the result has a label': () => typeof parsed.result?.label === 'string',
    });
  };
}

export function makeEnableFaults(p: PatternConfig) {
  return () => {
    for (const [name, knobs] of Object.entries(p.faults)) {
      const res = http.put(`${ADMIN}/faults/${name}`, JSON.stringify(knobs), {
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      });
      check(res, { [`the ${name} fault is enabled`]: (r) => r.status === 200 });
      if (res.status !== 200) fail(`enabling ${name} failed: ${res.status} ${res.body}`);
    }
  };
}

export function makeTeardown(p: PatternConfig) {
  return () => {
    if (Object.keys(p.faults).length === 0) return;
    const res = http.del(`${ADMIN}/faults`, null, { headers: { authorization: `Bearer ${TOKEN}` } });
    check(res, { 'every fault is back to baseline': (r) => r.status === 200 });
  };
}
