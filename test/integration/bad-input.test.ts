/**
 * Bad input, generated: hundreds of malformed /predict bodies and fault admin calls
 * (bad JSON, wrong types, huge or deep payloads, odd Unicode, bad knobs, bad tokens).
 * Every one must get a 4xx with a message (admin errors name the field at fault), no
 * service may crash, and a valid request right after must still succeed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admin, predictBody, TEST_ADMIN_TOKEN, useTestRig } from './helpers/pipeline.ts';
import { malformedAdmin, malformedPredict, oddUnicode, type AdminCase } from './helpers/malformed.ts';

const PREDICT_RUNS = 600;
const ADMIN_RUNS = 400;
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const rig = useTestRig();

type Tally = Map<string, number>;
const count = (t: Tally, k: string) => t.set(k, (t.get(k) ?? 0) + 1);
const show = (t: Tally) => [...t].sort().map(([k, n]) => `${k}: ${n}`).join(', ');

function expectAllAlive(): void {
  for (const [name, p] of rig.pipeline.processes) expect(p.deathReason(), `${name} crashed`).toBeUndefined();
}

async function validPredict(): Promise<number> {
  const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(predictBody()) });
  await res.arrayBuffer();
  return res.status;
}

describe('bad input', () => {
  it(`should answer every one of ${PREDICT_RUNS} malformed /predict bodies with a 4xx and a message, and serve a valid request after`, async () => {
    const statuses: Tally = new Map();
    const kinds: Tally = new Map();
    await fc.assert(fc.asyncProperty(malformedPredict, async (c) => {
      const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': c.contentType }, body: c.body });
      const json = (await res.json().catch(() => ({}))) as { error?: unknown };
      count(statuses, String(res.status));
      count(kinds, c.kind);
      expect(res.status, `${c.kind}: ${c.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${c.kind}: ${c.body.slice(0, 200)} -> ${JSON.stringify(json)}`).toBeLessThan(500);
      expect(typeof json.error === 'string' && json.error.length > 0, `${c.kind}: no error message`).toBe(true);
    }), { numRuns: PREDICT_RUNS, seed: SEED });
    expectAllAlive();
    expect(await validPredict()).toBe(200);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(`[bad-input] /predict: ${total} malformed bodies (seed ${SEED}), statuses {${show(statuses)}}, kinds {${show(kinds)}}; valid request after: 200`);
    expect(total).toBeGreaterThanOrEqual(PREDICT_RUNS);
  });

  it('should serve valid requests whose free-text fields hold odd Unicode', async () => {
    await fc.assert(fc.asyncProperty(oddUnicode, oddUnicode, async (input, client) => {
      const res = await fetch(`${rig.pipeline.gatewayUrl}/predict`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(predictBody({ input: input.slice(0, 4000), client_id: client.slice(0, 128) })),
      });
      const json = await res.json() as { error?: string };
      expect(res.status, JSON.stringify(json)).toBe(200);
    }), { numRuns: 30, seed: SEED });
    expectAllAlive();
  });

  it(`should answer every one of ${ADMIN_RUNS} malformed admin calls with a 4xx naming what was wrong, and enable nothing`, async () => {
    const statuses: Tally = new Map();
    const kinds: Tally = new Map();
    await fc.assert(fc.asyncProperty(malformedAdmin, async (c: AdminCase) => {
      const token = c.token === 'none' ? undefined : c.token === 'bad' ? 'not-the-token-0123456789' : TEST_ADMIN_TOKEN;
      const res = await fetch(`${rig.pipeline.adminUrl}${c.path}`, {
        method: c.method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
        body: c.body,
      });
      const json = (await res.json().catch(() => ({}))) as { error?: unknown; field?: unknown };
      count(statuses, String(res.status));
      count(kinds, c.kind);
      const what = `${c.kind}: ${c.method} ${c.path} ${c.body?.slice(0, 200) ?? ''} -> ${res.status} ${JSON.stringify(json).slice(0, 300)}`;
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(typeof json.error === 'string' && json.error.length > 0, what).toBe(true);
      if (c.field) {
        expect(json.field, what).toBe(c.field);
        expect(String(json.error), what).toContain(c.field);
      }
    }), { numRuns: ADMIN_RUNS, seed: SEED });
    expectAllAlive();
    const { json } = await admin(rig.pipeline, 'GET', '/faults');
    expect(json.faults.filter((f: { enabled: boolean }) => f.enabled).map((f: { name: string }) => f.name), 'a bad call enabled a fault').toEqual([]);
    expect((await admin(rig.pipeline, 'PUT', '/faults/tokenizer-reload', { every_n: 2 })).status).toBe(200);
    expect((await admin(rig.pipeline, 'DELETE', '/faults')).status).toBe(200);
    expect(await validPredict()).toBe(200);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(`[bad-input] admin: ${total} malformed calls (seed ${SEED}), statuses {${show(statuses)}}, kinds {${show(kinds)}}; valid calls after: 200`);
    expect(total).toBeGreaterThanOrEqual(ADMIN_RUNS);
  });
});
