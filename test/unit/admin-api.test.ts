/** The fault admin API's guards (loopback only, off unless enabled, token required) and its ledger join. */
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultServer } from '../../faults/admin/fault-server.ts';
import { startFrontDoor } from '../../faults/admin/front-door.ts';
import { endpointPortSetting, loadFaultConfig } from '../../faults/config.ts';
import { FiredLog } from '../../faults/fired.ts';
import { Ledger } from '../../faults/ledger.ts';
import { FAULTS } from '../../faults/registry.ts';
import { loadPipelineConfig } from '../../target-pipeline/config.ts';
import { PIPELINE_SERVICE_IDS } from '../../target-pipeline/services.ts';
import { freePort } from '../../stack/ports.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

const TOKEN = 'unit-test-token-0123456789';
const TRACE_ID = 'a'.repeat(32);
let servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** The front door, and (with injection on) every service's fault endpoint, one of which recorded gpu-starvation for TRACE_ID. */
async function start(env: Record<string, string>, opts: { endpoints?: boolean } = {}): Promise<string> {
  const ports: Record<string, string> = { ADMIN_PORT: String(await freePort()) };
  for (const id of PIPELINE_SERVICE_IDS) ports[endpointPortSetting(id)] = String(await freePort());
  const cfg = loadFaultConfig({ ...ports, ...env });
  const ledger = new Ledger();
  ledger.append({ trace_id: TRACE_ID, request_id: 'r1', ts: 1, status: 200, latency_ms: 3 });
  if (cfg.FAULT_INJECTION === 'on' && opts.endpoints !== false) {
    for (const id of PIPELINE_SERVICE_IDS) {
      const fired = new FiredLog();
      if (id === 'inference') {
        fired.recorderFor('gpu-starvation').fired(trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '1'.repeat(16), traceFlags: TraceFlags.SAMPLED }));
      }
      servers.push(await startFaultServer({ service: id, host: cfg.ADMIN_HOST, port: cfg.endpointPorts[id], token: TOKEN, faults: [], fired }));
    }
  }
  servers.push(await startFrontDoor(cfg, ledger, FAULTS));
  return `http://127.0.0.1:${cfg.ADMIN_PORT}`;
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
    const cfg = loadFaultConfig({ ADMIN_HOST: '0.0.0.0', FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    await expect(startFrontDoor(cfg, new Ledger(), FAULTS)).rejects.toThrow(/must bind to loopback/);
  });

  it('should name an unknown fault and list the known ones', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    const res = await fetch(`${url}/faults/gpu-meltdown`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/unknown fault 'gpu-meltdown'.*cache-eviction/);
  });

  it('should page the ledger, with the faults a service recorded joined on the trace id, and reject a bad cursor with the field named', async () => {
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
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN }, { endpoints: false });
    for (const path of ['/faults', '/ledger']) {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/fault endpoint is not reachable at http:\/\/127\.0\.0\.1:\d+/);
    }
  });
});

describe('fault configuration', () => {
  it('should require a token when fault injection is on', () => {
    expect(() => loadFaultConfig({ FAULT_INJECTION: 'on' })).toThrow(/FAULT_ADMIN_TOKEN: required when FAULT_INJECTION=on/);
  });

  it('should give each service its own endpoint port after the front door and name a bad one', () => {
    const cfg = loadFaultConfig({ ADMIN_PORT: '9300' });
    expect(Object.values(cfg.endpointPorts).sort()).toEqual([9301, 9302, 9303, 9304]);
    expect(() => loadFaultConfig({ INFERENCE_ADMIN_PORT: 'x' })).toThrow(/INFERENCE_ADMIN_PORT \(got "x"\)/);
  });
});

describe('pipeline configuration', () => {
  it('should name every bad setting when the environment is wrong', () => {
    expect(() => loadPipelineConfig({ GATEWAY_PORT: 'eighty', DEVICE_SLOTS: '0', EXECUTION_PROVIDERS: 'tpu' })).toThrow(/GATEWAY_PORT \(got "eighty"\)[\s\S]*DEVICE_SLOTS[\s\S]*EXECUTION_PROVIDERS/);
  });


  it('should refuse fewer workers than device slots', () => {
    expect(() => loadPipelineConfig({ DEVICE_SLOTS: '4', INFERENCE_WORKERS: '2' })).toThrow(/INFERENCE_WORKERS \(got "2"\): must be >= DEVICE_SLOTS/);
  });
});

describe('make faults ARGS="ledger" (faults/cli.ts)', () => {
  it('should print the joined ledger as JSON lines, the last N', async () => {
    const url = await start({ FAULT_INJECTION: 'on', FAULT_ADMIN_TOKEN: TOKEN });
    // Asynchronously: the front door answers from this very process.
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'faults/cli.ts'), 'ledger', '--last', '1'], {
      env: { ...process.env, HARNESS_ADMIN_URL: url, FAULT_ADMIN_TOKEN: TOKEN },
    });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ trace_id: TRACE_ID, request_id: 'r1', faults: ['gpu-starvation'] });
  });
});
