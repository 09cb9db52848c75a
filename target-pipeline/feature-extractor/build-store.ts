/**
 * Builds the feature store's SQLite file: a raw event log (purchases, logins, transfers,
 * refunds) for a fixed population of entities, generated from a seed.
 *
 * Logins carry no amount (NULL), so spend aggregates cover monetary events only.
 *
 * The log is stored in shuffled arrival order, not grouped by entity, as a real event
 * log would be: one entity's events are spread over many pages, so computing its
 * features means visiting thousands of rows through the entity_id index. That scan is
 * what makes a cache miss cost tens of milliseconds; nothing here sleeps.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { mulberry32 } from '../model/prng.ts';
import { entityIdFor } from './entity-id.ts';
import { normal } from './prng.ts';
import type { Rng } from './prng.ts';

/** Bump when the generator or the table layout changes, so stale files get rebuilt. */
export const STORE_SCHEMA_VERSION = 1;
/** The store's "now": features are computed relative to it so they never drift. */
export const DATASET_END_TS = 1_767_225_600; // 2026-01-01T00:00:00Z
export const HISTORY_DAYS = 180;
export const MERCHANT_COUNT = 1_000;
export const EVENT_KINDS = ['purchase', 'login', 'transfer', 'refund'] as const;
export const CHANNELS = ['web', 'ios', 'android', 'pos'] as const;

const DAY_S = 86_400;
/** Rows per INSERT statement: fewer native calls per row, well under SQLite's bind limit. */
const INSERT_BATCH_ROWS = 64;
const COLUMNS_PER_ROW = 6;
/** A burst event lands at most this long after the entity's previous event (a session). */
const BURST_MAX_GAP_S = 900;

export interface StoreSize {
  entities: number;
  eventsPerEntity: number;
  seed: number;
}

/** Per-entity behaviour, so that feature vectors differ meaningfully between entities. */
interface Profile {
  id: string;
  spendScale: number;
  refundRate: number;
  transferRate: number;
  burstRate: number;
  firstTs: number;
  lastTs: number;
  merchantBase: number;
  merchantPool: number;
  channelBias: number;
  prevTs: number;
}

function makeProfile(index: number, rng: Rng): Profile {
  const start = DATASET_END_TS - HISTORY_DAYS * DAY_S;
  const span = HISTORY_DAYS * DAY_S;
  // A quarter of entities joined late, a fifth churned early: recency features vary.
  const firstTs = rng() < 0.25 ? start + Math.floor(rng() * span * 0.5) : start;
  const lastTs = rng() < 0.2 ? DATASET_END_TS - Math.floor(rng() * span * 0.4) : DATASET_END_TS;
  return {
    id: entityIdFor(index),
    spendScale: Math.exp(Math.log(40) + 0.8 * normal(rng)),
    refundRate: 0.01 + rng() * 0.14,
    transferRate: 0.05 + rng() * 0.2,
    burstRate: rng() * 0.3,
    firstTs,
    lastTs: Math.max(lastTs, firstTs + DAY_S),
    merchantBase: Math.floor(rng() * MERCHANT_COUNT),
    merchantPool: 5 + Math.floor(rng() * 200),
    channelBias: Math.floor(rng() * CHANNELS.length),
    prevTs: firstTs,
  };
}

function pickKind(p: Profile, rng: Rng): (typeof EVENT_KINDS)[number] {
  const r = rng();
  if (r < p.refundRate) return 'refund';
  if (r < p.refundRate + p.transferRate) return 'transfer';
  return r < 0.65 ? 'purchase' : 'login';
}

/** Appends one event's column values to `out`, in table column order. */
function pushEvent(p: Profile, rng: Rng, out: (string | number | null)[]): void {
  const ts =
    rng() < p.burstRate
      ? Math.min(p.lastTs, p.prevTs + Math.floor(rng() * BURST_MAX_GAP_S))
      : p.firstTs + Math.floor(rng() * (p.lastTs - p.firstTs));
  p.prevTs = ts;
  const kind = pickKind(p, rng);
  const amount =
    kind === 'login' ? null : Math.round(p.spendScale * Math.exp(0.6 * normal(rng)) * (kind === 'transfer' ? 300 : 100)) / 100;
  // Squaring skews merchant choice towards an entity's favourites, as real spend does.
  const merchant =
    kind === 'purchase' || kind === 'refund'
      ? (p.merchantBase + Math.floor(rng() ** 2 * p.merchantPool)) % MERCHANT_COUNT
      : null;
  const channel = CHANNELS[rng() < 0.6 ? p.channelBias : Math.floor(rng() * CHANNELS.length)] ?? 'web';
  out.push(p.id, ts, kind, amount, merchant, channel);
}

/** Every entity index repeated eventsPerEntity times, in seeded random (arrival) order. */
function arrivalOrder(size: StoreSize, rng: Rng): Uint32Array {
  const order = new Uint32Array(size.entities * size.eventsPerEntity);
  for (let i = 0; i < order.length; i++) order[i] = i % size.entities;
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}

function insertEvents(db: DatabaseSync, size: StoreSize): void {
  const rng = mulberry32(size.seed);
  const profiles = Array.from({ length: size.entities }, (_, i) => makeProfile(i, rng));
  const order = arrivalOrder(size, rng);
  const placeholders = (rows: number) => Array.from({ length: rows }, () => '(?,?,?,?,?,?)').join(',');
  const batchInsert = db.prepare(`INSERT INTO raw_events VALUES ${placeholders(INSERT_BATCH_ROWS)}`);
  const values: (string | number | null)[] = [];
  for (const entity of order) {
    pushEvent(profiles[entity] as Profile, rng, values);
    if (values.length === INSERT_BATCH_ROWS * COLUMNS_PER_ROW) {
      batchInsert.run(...values);
      values.length = 0;
    }
  }
  if (values.length > 0) {
    db.prepare(`INSERT INTO raw_events VALUES ${placeholders(values.length / COLUMNS_PER_ROW)}`).run(...values);
  }
}

/**
 * Writes a complete store to `path`. It is built under a temporary name and renamed into
 * place, so a crashed or concurrent build never leaves a half-written file that a later
 * open would mistake for a finished one.
 */
export function buildStoreFile(path: string, size: StoreSize): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmpPath = `${path}.build-${process.pid}`;
  rmSync(tmpPath, { force: true });
  const db = new DatabaseSync(tmpPath);
  try {
    // Durability is pointless for a file we rename into place only once it is complete.
    // (A bigger page cache or temp_store=MEMORY measured 2-3x slower for the index sort.)
    db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE raw_events (
               entity_id TEXT NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL,
               amount REAL, merchant_id INTEGER, channel TEXT NOT NULL);`);
    db.exec('BEGIN');
    insertEvents(db, size);
    // Indexing after the bulk load is one sort instead of millions of B-tree inserts.
    db.exec('CREATE INDEX raw_events_entity ON raw_events (entity_id)');
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (const [key, value] of Object.entries(metaFor(size))) meta.run(key, value);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    rmSync(tmpPath, { force: true });
    throw err;
  }
  db.close();
  renameSync(tmpPath, path);
}

/** What a store file must record to be reused for a given size and seed. */
export function metaFor(size: StoreSize): Record<string, string> {
  return {
    schema_version: String(STORE_SCHEMA_VERSION),
    seed: String(size.seed),
    entities: String(size.entities),
    events_per_entity: String(size.eventsPerEntity),
    dataset_end_ts: String(DATASET_END_TS),
  };
}
