/** The fault admin API's guards: loopback only, off unless enabled, token required. */
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminApi } from '../../faults/admin/gateway-admin.ts';
import { Ledger } from '../../faults/ledger.ts';
import { loadPipelineConfig } from '../../target-pipeline/config.ts';
import { freePort } from '../../stack/ports.ts';

const TOKEN = 'unit-test-token-0123456789';
let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function start(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const cfg = loadPipelineConfig({ ADMIN_PORT: String(port), ...env });
  const ledger = new Ledger();
  ledger.append({ trace_id: 'a'.repeat(32), request_id: 'r1', ts: 1, status: 200, latency_ms: 3, faults: ['gpu-starvation'] });
  server = await startAdminApi(cfg, ledger);
  return `http://127.0.0.1:${port}`;
}

describe('fault admin API', () => {
  it('should answer 403 to everything when fault injection is disabled', async () => {
    const url = await start({ FAULT_INJECTION: 'off' });
    for (const [method, path] of [['GET', '/faults'], ['PUT', '/faults/gpu-starvation'], ['DELETE', '/faults'], ['GET', '/ledger']]) {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/FAULT_INJECTION=on/);
    }
  });

  it('should answer 401 without a token or with a wrong one when fault injection is on', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    expect((await fetch(`${url}/faults`)).status).toBe(401);
    expect((await fetch(`${url}/faults`, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status).toBe(401);
    expect((await fetch(`${url}/ledger`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('should refuse to start when asked to bind beyond loopback', async () => {
    const cfg = loadPipelineConfig({ ADMIN_HOST: '0.0.0.0', FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    await expect(startAdminApi(cfg, new Ledger())).rejects.toThrow(/must bind to loopback/);
  });

  it('should name an unknown fault and list the known ones', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    const res = await fetch(`${url}/faults/gpu-meltdown`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/unknown fault 'gpu-meltdown'.*cache-eviction/);
  });

  it('should page the ledger and reject a bad cursor with the field named', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const ok = (await (await fetch(`${url}/ledger?after=0&limit=10`, auth)).json()) as { entries: { faults: string[] }[] };
    expect(ok.entries).toHaveLength(1);
    expect(ok.entries[0]?.faults).toEqual(['gpu-starvation']);
    const bad = await fetch(`${url}/ledger?limit=0`, auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('limit');
  });

  it('should say which fault endpoint is unreachable when an owner service is down', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN, FEATURE_EXTRACTOR_ADMIN_PORT: String(await freePort()), INFERENCE_ADMIN_PORT: String(await freePort()) });
    const res = await fetch(`${url}/faults`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/fault endpoint is not reachable/);
  });
});

describe('pipeline configuration', () => {
  it('should name every bad setting when the environment is wrong', () => {
    expect(() => loadPipelineConfig({ GATEWAY_PORT: 'eighty', DEVICE_SLOTS: '0', EXECUTION_PROVIDERS: 'tpu' })).toThrow(/GATEWAY_PORT \(got "eighty"\)[\s\S]*DEVICE_SLOTS[\s\S]*EXECUTION_PROVIDERS/);
  });

  it('should require a token when fault injection is on', () => {
    expect(() => loadPipelineConfig({ FAULT_INJECTION: 'on' })).toThrow(/FAULT_ADMIN_TOKEN: required when FAULT_INJECTION=on/);
  });

  it('should refuse fewer workers than device slots', () => {
    expect(() => loadPipelineConfig({ DEVICE_SLOTS: '4', INFERENCE_WORKERS: '2' })).toThrow(/INFERENCE_WORKERS \(got "2"\): must be >= DEVICE_SLOTS/);
  });
});
