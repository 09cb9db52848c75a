/**
 * The repair step: turn an invalid model output into a valid one when, and only when,
 * the correct value is certain. It closes truncated JSON (dropping partial members),
 * coerces numbers that arrived as numeric strings, derives `label` and `score` from
 * `top_k[0]` (the decoder's invariant: the label is the top-ranked entry), and drops
 * properties the schema does not know. Anything else (a lost top_k, tokens or
 * model_version) cannot be recovered and the caller must re-invoke the model.
 */
import { OUTPUT_FIELDS } from '../model/output.ts';
import { closeTruncatedObject } from './truncation.ts';
import type { OutputValidator, ValidationFailure } from './validate.ts';

/** Each step fixes one problem; an output has five fields, so more steps means no progress. */
const MAX_REPAIR_STEPS = 8;
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NON_NEGATIVE_INTEGER = /^(?:0|[1-9]\d*)$/;

/**
 * Serialise in the schema's key order (a replacer list applies at every depth, and the
 * top_k entries' keys are a subset), so a derived field lands where the decoder puts it.
 */
const KEY_ORDER: string[] = [...OUTPUT_FIELDS];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Returns repaired JSON text that passes `validator`, or undefined when the output
 * cannot be repaired without inventing data. `failure` is the validator's verdict on `text`.
 */
export function repairOutput(text: string, failure: ValidationFailure, validator: OutputValidator): string | undefined {
  let candidate = text;
  if (failure.reason === 'parse_error') {
    const closed = closeTruncatedObject(text);
    if (closed === undefined) return undefined;
    candidate = closed;
  }
  let doc: Json;
  try {
    doc = JSON.parse(candidate) as Json;
  } catch {
    return undefined;
  }
  for (let step = 0; step < MAX_REPAIR_STEPS; step++) {
    const result = validator.validateValue(doc);
    if (result.ok) return JSON.stringify(doc, KEY_ORDER);
    if (!fixOne(doc, result, validator)) return undefined;
  }
  return undefined;
}

/** Applies the fix for one failure in place; false when there is no safe fix. */
function fixOne(doc: Json, failure: ValidationFailure, validator: OutputValidator): boolean {
  const path = parsePointer(failure.field);
  if (path === undefined || !isObject(doc)) return false;
  switch (failure.reason) {
    case 'missing_field':
      return path.length === 1 && deriveMissing(doc, path[0] as string, validator.labels);
    case 'wrong_type':
      return coerceAt(doc, path, validator.schema);
    case 'unexpected_field':
      return removeAt(doc, path);
    default:
      return false;
  }
}

/** label and score are copies of top_k[0]; nothing else can be derived. */
function deriveMissing(doc: JsonObject, field: string, labels: readonly string[]): boolean {
  const top = topEntry(doc, labels);
  if (top === undefined) return false;
  if (field === 'label' && (doc['score'] === undefined || doc['score'] === top.score)) {
    doc['label'] = top.label;
    return true;
  }
  if (field === 'score' && (doc['label'] === undefined || doc['label'] === top.label)) {
    doc['score'] = top.score;
    return true;
  }
  return false;
}

/** top_k[0], only when well-formed and really the highest-scoring entry. */
function topEntry(doc: JsonObject, labels: readonly string[]): { label: string; score: number } | undefined {
  const topK = doc['top_k'];
  if (!Array.isArray(topK) || topK.length === 0) return undefined;
  const entries = topK.filter(isObject);
  if (entries.length !== topK.length) return undefined;
  const first = entries[0] as JsonObject;
  const label = first['label'];
  const score = first['score'];
  if (typeof label !== 'string' || !labels.includes(label)) return undefined;
  if (typeof score !== 'number') return undefined;
  const outranked = entries.some((e) => typeof e['score'] !== 'number' || e['score'] > score);
  return outranked ? undefined : { label, score };
}

/** Numeric strings become numbers where the schema wants a number or an integer. */
function coerceAt(doc: JsonObject, path: string[], schema: object): boolean {
  const parent = parentOf(doc, path);
  const key = path.at(-1);
  if (parent === undefined || key === undefined) return false;
  const value = readChild(parent, key);
  if (typeof value !== 'string') return false;
  const expected = schemaTypeAt(schema, path);
  const ok =
    (expected === 'number' && DECIMAL.test(value)) ||
    (expected === 'integer' && NON_NEGATIVE_INTEGER.test(value) && Number.isSafeInteger(Number(value)));
  if (!ok) return false;
  writeChild(parent, key, Number(value));
  return true;
}

function removeAt(doc: JsonObject, path: string[]): boolean {
  const parent = parentOf(doc, path);
  const key = path.at(-1);
  if (parent === undefined || key === undefined || Array.isArray(parent)) return false;
  if (!(key in parent)) return false;
  delete parent[key];
  return true;
}

/** The schema's `type` at a data path, following properties and items. */
function schemaTypeAt(schema: object, path: string[]): string | undefined {
  let node: unknown = schema;
  for (const segment of path) {
    if (!isRecord(node)) return undefined;
    const props = node['properties'];
    if (node['type'] === 'array') node = node['items'];
    else if (isRecord(props)) node = props[segment];
    else return undefined;
  }
  return isRecord(node) && typeof node['type'] === 'string' ? node['type'] : undefined;
}

function parentOf(doc: JsonObject, path: string[]): JsonObject | Json[] | undefined {
  let node: Json = doc;
  for (const segment of path.slice(0, -1)) {
    if (!(isObject(node) || Array.isArray(node))) return undefined;
    const next = readChild(node, segment);
    if (next === undefined) return undefined;
    node = next;
  }
  return isObject(node) || Array.isArray(node) ? node : undefined;
}

function readChild(node: JsonObject | Json[], key: string): Json | undefined {
  if (Array.isArray(node)) return /^\d+$/.test(key) ? node[Number(key)] : undefined;
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function writeChild(node: JsonObject | Json[], key: string, value: Json): void {
  if (Array.isArray(node)) node[Number(key)] = value;
  else node[key] = value;
}

/** "/top_k/0/score" → ["top_k", "0", "score"]; undefined for 'unknown' or the root. */
function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
