/**
 * fast-check arbitraries of malformed requests: every value they produce is wrong in a
 * way the services must refuse with a 4xx (never a valid request by accident), each
 * labelled with its kind so that a test can print the distribution.
 */
import fc from 'fast-check';
import { ENTITY_ID_PATTERN } from '../../../target-pipeline/feature-extractor/service.ts';
import { PIPELINE_DEFAULTS } from '../../../target-pipeline/config.ts';
import { entityIdFor } from '../../../target-pipeline/feature-extractor/entity-id.ts';
import { predictBody } from './pipeline.ts';

export interface RawRequest {
  kind: string;
  body: string;
  contentType: string;
}

const JSON_TYPE = 'application/json';
const PREDICT_FIELDS = ['model', 'input', 'feature_ids', 'client_id'] as const;

/** Strings from the corners of Unicode: lone surrogates, zero-width and bidi controls, NUL, emoji. */
export const oddUnicode = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1 }),
  fc.array(fc.constantFrom('\uD800', '\uDFFF', '\u200B', '\u202E', '\u0000', '\uFEFF', '\u{1F600}', 'e\u0301', '\uFFFF', '𝔘'), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
);

const notAString = fc.anything().filter((v) => typeof v !== 'string');
const badIds = fc.oneof(
  fc.anything().filter((v) => !Array.isArray(v)),
  fc.constant([]),
  fc.array(fc.oneof(notAString, oddUnicode.filter((s) => !ENTITY_ID_PATTERN.test(s))), { minLength: 1, maxLength: 4 }),
  fc.integer({ min: PIPELINE_DEFAULTS.MAX_FEATURE_IDS + 1, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => entityIdFor(i))),
);

const valid = (): Record<string, unknown> => ({ ...predictBody() });
const asJson = (kind: string, v: unknown): RawRequest => ({ kind, body: JSON.stringify(v) ?? '', contentType: JSON_TYPE });

/** A /predict body that is not JSON at all, or JSON cut short. */
const invalidJson = fc.oneof(
  fc.string({ unit: 'binary' }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }),
  fc.integer({ min: 0, max: 120 }).map((n) => JSON.stringify(valid()).slice(0, n)),
).map((body) => ({ kind: 'invalid json', body, contentType: JSON_TYPE }));

/** One field of an otherwise valid body replaced by a value of the wrong type or shape. */
const wrongType = fc.constantFrom(...PREDICT_FIELDS).chain((field) =>
  (field === 'feature_ids' ? badIds : notAString).map((v) => asJson('wrong type', { ...valid(), [field]: v })));

const missingField = fc.constantFrom(...PREDICT_FIELDS).map((field) => {
  const b = valid();
  delete b[field];
  return asJson('missing field', b);
});

const extraKey = fc.tuple(fc.oneof(fc.string(), oddUnicode), fc.anything())
  // JSON has no undefined: a key holding it would vanish and leave a valid body.
  .filter(([k, v]) => !(PREDICT_FIELDS as readonly string[]).includes(k) && k !== 'input_type' && v !== undefined)
  .map(([k, v]) => asJson('unknown key', { ...valid(), [k]: v }));

const notAnObject = fc.oneof(fc.array(fc.anything()), fc.integer(), fc.boolean(), fc.constant(null), oddUnicode)
  .map((v) => asJson('not an object', v));

/** Limits: input over MAX_INPUT_CHARS, a body over MAX_BODY_BYTES. */
const huge = fc.oneof(
  fc.integer({ min: PIPELINE_DEFAULTS.MAX_INPUT_CHARS + 1, max: 20_000 }).map((n) => asJson('huge input', { ...valid(), input: 'x'.repeat(n) })),
  fc.integer({ min: PIPELINE_DEFAULTS.MAX_BODY_BYTES + 1, max: 4 * PIPELINE_DEFAULTS.MAX_BODY_BYTES })
    .map((n) => ({ kind: 'huge body', body: JSON.stringify({ ...valid(), pad: 'y'.repeat(n) }), contentType: JSON_TYPE })),
);

/** Deep nesting where a string is expected, or as the whole body (stays under the size limit). */
const deep = fc.tuple(fc.integer({ min: 100, max: 30_000 }), fc.constantFrom<('model' | 'input' | 'feature_ids' | null)>('model', 'input', 'feature_ids', null))
  .map(([depth, field]) => {
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = field === null ? nested : JSON.stringify({ ...valid(), [field]: '@@' }).replace('"@@"', nested);
    return { kind: 'deep', body, contentType: JSON_TYPE };
  });

/** Odd Unicode where the contract forbids it: entity ids, the model name (a 404: no such model). */
const oddWhereForbidden = fc.oneof(
  oddUnicode.filter((s) => !ENTITY_ID_PATTERN.test(s)).map((s) => asJson('odd unicode id', { ...valid(), feature_ids: [s] })),
  oddUnicode.filter((s) => s.length <= 128 && s !== PIPELINE_DEFAULTS.MODEL_NAME).map((s) => asJson('odd unicode model', { ...valid(), model: s })),
);

/** A body in a charset the server cannot decode. */
const badCharset = fc.constantFrom('klingon', 'utf-99', 'ebcdic-xx').map((cs) => ({
  kind: 'bad charset', body: JSON.stringify(valid()), contentType: `application/json; charset=${cs}`,
}));

export const malformedPredict: fc.Arbitrary<RawRequest> = fc.oneof(
  invalidJson, wrongType, missingField, extraKey, notAnObject, huge, deep, oddWhereForbidden, badCharset,
);

/** Knob names of each fault and whether each is an enum (string) or a number. */
export const KNOBS: Record<string, Record<string, 'number' | 'enum'>> = {
  'cache-eviction': { mode: 'enum', fraction: 'number', ttl_ms: 'number', interval_ms: 'number', seed: 'number' },
  'gpu-starvation': { slots: 'number', competing_jobs: 'number', competing_batch_size: 'number', competing_seq_len: 'number' },
  'output-corruption': { rate: 'number', mode: 'enum', seed: 'number' },
  'tokenizer-reload': { probability: 'number', every_n: 'number', seed: 'number' },
};

/** A valid set of knobs per fault, so that a test breaks exactly one knob at a time. */
export const VALID_KNOBS: Record<string, Record<string, unknown>> = {
  'cache-eviction': {}, 'gpu-starvation': { slots: 1 }, 'output-corruption': { rate: 0.5 }, 'tokenizer-reload': { every_n: 1 },
};

export interface AdminCase {
  kind: string;
  method: string;
  path: string;
  body?: string;
  token?: 'good' | 'bad' | 'none';
  /** The field the error must name, when there is one. */
  field?: string;
}

/** Out of every knob's range (all ranges lie within 0 .. 2^31), or not a number at all. */
const badNumber = fc.oneof(
  fc.double({ max: -1, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 2 ** 32, noNaN: true, noDefaultInfinity: true }),
  notAString.filter((v) => typeof v !== 'number'),
  fc.string(),
);
const badEnum = fc.oneof(notAString, oddUnicode, fc.string().filter((s) => !['fraction', 'all', 'ttl', 'truncate', 'missing_field', 'wrong_type', 'mixed'].includes(s)));

const badKnob: fc.Arbitrary<AdminCase> = fc.constantFrom(...Object.keys(KNOBS)).chain((fault) =>
  fc.constantFrom(...Object.keys(KNOBS[fault]!)).chain((knob) =>
    (KNOBS[fault]![knob] === 'enum' ? badEnum : badNumber)
      // JSON has no undefined: a dropped knob would be a valid (default) one.
      .filter((v) => v !== undefined)
      .map((v) => ({ kind: 'bad knob', method: 'PUT', path: `/faults/${fault}`, body: JSON.stringify({ ...VALID_KNOBS[fault], [knob]: v }), field: knob }))));

const unknownKnob: fc.Arbitrary<AdminCase> = fc.tuple(fc.constantFrom(...Object.keys(KNOBS)), fc.string({ minLength: 1 }).filter((s) => /^[a-z_]{1,20}$/.test(s)))
  .filter(([f, k]) => !(k in KNOBS[f]!))
  .map(([f, k]) => ({ kind: 'unknown knob', method: 'PUT', path: `/faults/${f}`, body: JSON.stringify({ ...VALID_KNOBS[f], [k]: 1 }), field: k }));

const encodable = (s: string): boolean => { try { encodeURIComponent(s); return true; } catch { return false; } };
const unknownFault: fc.Arbitrary<AdminCase> = fc.oneof(fc.string({ minLength: 1 }), oddUnicode)
  // A URL path carries well-formed UTF-8 only (encodeURIComponent throws on a lone surrogate).
  .filter((s) => encodable(s) && !(s in KNOBS) && s !== '.' && s !== '..')
  .map((s) => ({ kind: 'unknown fault', method: 'PUT', path: `/faults/${encodeURIComponent(s)}`, body: '{}' }));

const badAdminJson: fc.Arbitrary<AdminCase> = fc.tuple(fc.constantFrom(...Object.keys(KNOBS)), fc.string({ unit: 'binary', minLength: 1 }))
  .filter(([, s]) => { try { JSON.parse(s); return false; } catch { return true; } })
  .map(([f, body]) => ({ kind: 'bad admin json', method: 'PUT', path: `/faults/${f}`, body }));

const knobsNotObject: fc.Arbitrary<AdminCase> = fc.tuple(fc.constantFrom(...Object.keys(KNOBS)), fc.array(fc.integer(), { minLength: 1 }))
  .map(([f, v]) => ({ kind: 'knobs not an object', method: 'PUT', path: `/faults/${f}`, body: JSON.stringify(v) }));

const badToken: fc.Arbitrary<AdminCase> = fc.tuple(fc.constantFrom<'bad' | 'none'>('bad', 'none'), fc.constantFrom('GET /faults', 'DELETE /faults', 'PUT /faults/tokenizer-reload', 'GET /ledger'))
  .map(([token, call]) => {
    const [method, p] = call.split(' ') as [string, string];
    return { kind: 'bad token', method, path: p, token, ...(method === 'PUT' ? { body: '{"every_n":1}' } : {}) };
  });

const ledgerParams = ['after', 'since_ts', 'limit'] as const;
const badLedgerQuery: fc.Arbitrary<AdminCase> = fc.oneof(
  fc.tuple(fc.constantFrom(...ledgerParams), fc.oneof(fc.integer({ max: -1 }).map(String), fc.string().filter((s) => !(Number.isInteger(Number(s)) && Number(s) >= 0)), fc.constant('1.5')))
    .map(([k, v]) => ({ kind: 'bad ledger query', method: 'GET', path: `/ledger?${k}=${encodeURIComponent(v)}`, field: k })),
  fc.integer({ min: 10_001, max: 2 ** 40 }).map((n) => ({ kind: 'bad ledger query', method: 'GET', path: `/ledger?limit=${n}`, field: 'limit' })),
  fc.string({ minLength: 1 }).filter((k) => /^[a-z]{1,12}$/.test(k) && !(ledgerParams as readonly string[]).includes(k))
    .map((k) => ({ kind: 'bad ledger query', method: 'GET', path: `/ledger?${k}=1`, field: k })),
);

export const malformedAdmin: fc.Arbitrary<AdminCase> = fc.oneof(
  { arbitrary: badKnob, weight: 4 }, unknownKnob, unknownFault, badAdminJson, knobsNotObject, badToken, badLedgerQuery,
);
