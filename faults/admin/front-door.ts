import type { Server } from 'node:http';
import express from 'express';
import { z } from 'zod';
import { issueField } from '../../target-pipeline/service/errors.ts';
import { PIPELINE_SERVICE_IDS, type PipelineServiceId } from '../../target-pipeline/services.ts';
import type { FaultConfig } from '../config.ts';
import type { FaultModule } from '../fault.ts';
import type { FiredRecord } from '../fired.ts';
import type { Ledger } from '../ledger.ts';
import { assertLoopback, audit, requireToken } from './auth.ts';
import { listenOn } from './listen.ts';

export const MAX_LEDGER_PAGE = 10_000;
export const FORWARD_TIMEOUT_MS = 10_000;

const ledgerQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  since_ts: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LEDGER_PAGE).default(1000),
}).strict();

type Forwarded = { status: number; json: unknown };

/**
 * The fault admin API, on its own loopback port: GET /faults, PUT /faults/<name>,
 * DELETE /faults, GET /ledger. It routes each fault to the service that owns it (from
 * the registry) and joins every service's fired log into the ledger. It always listens
 * (so that a refusal is explicit) but answers 403 to everything unless
 * FAULT_INJECTION=on, and 401 without the token.
 */
export async function startFrontDoor(cfg: FaultConfig, ledger: Ledger, faults: readonly FaultModule[]): Promise<Server> {
  assertLoopback(cfg.ADMIN_HOST, 'the fault admin API');
  const owners = new Map(faults.map((f) => [f.name, f.owner]));
  const endpointUrl = (id: PipelineServiceId) => `http://${cfg.ADMIN_HOST}:${cfg.endpointPorts[id]}`;
  const firedCursor = new Map<PipelineServiceId, number>();

  const forward = async (owner: PipelineServiceId, method: string, path: string, body?: unknown): Promise<Forwarded> => {
    const url = `${endpointUrl(owner)}${path}`;
    try {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${cfg.FAULT_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      return { status: res.status, json: await res.json() };
    } catch (err) {
      return { status: 503, json: { error: `the ${owner} service's fault endpoint is not reachable at ${url}: ${(err as Error).message}` } };
    }
  };
  const everyService = async (method: string, path: string): Promise<Forwarded[]> =>
    Promise.all(PIPELINE_SERVICE_IDS.map((id) => forward(id, method, path)));

  /** Reads what each service's mechanisms recorded since the last read into the ledger. */
  const syncFired = async (): Promise<Forwarded | undefined> => {
    for (const id of PIPELINE_SERVICE_IDS) {
      for (;;) {
        const after = firedCursor.get(id) ?? 0;
        const r = await forward(id, 'GET', `/fired?after=${after}`);
        if (r.status !== 200) return r;
        const page = r.json as { records: FiredRecord[]; next: number };
        if (page.records.length === 0) break;
        ledger.addFired(page.records);
        firedCursor.set(id, page.next);
      }
    }
    return undefined;
  };

  const app = express();
  app.use((_req, res, next) => {
    if (cfg.FAULT_INJECTION !== 'on') {
      res.status(403).json({ error: 'fault injection is disabled in this pipeline; start it with FAULT_INJECTION=on and FAULT_ADMIN_TOKEN set' });
      return;
    }
    next();
  });
  app.use(requireToken(cfg.FAULT_ADMIN_TOKEN ?? ''));
  app.use(express.json({ limit: '16kb' }));

  app.get('/faults', async (_req, res) => {
    const parts = await everyService('GET', '/faults');
    const failed = parts.find((p) => p.status !== 200);
    if (failed) {
      res.status(failed.status === 401 ? 502 : failed.status).json(failed.json);
      return;
    }
    res.json({ faults: parts.flatMap((p) => (p.json as { faults: unknown[] }).faults) });
  });
  app.put('/faults/:name', async (req, res) => {
    const owner = owners.get(req.params.name);
    if (!owner) {
      res.status(404).json({ error: `unknown fault '${req.params.name}'; known faults: ${[...owners.keys()].join(', ')}` });
      return;
    }
    const r = await forward(owner, 'PUT', `/faults/${req.params.name}`, req.body ?? {});
    if (r.status === 200) audit('enable', { fault: req.params.name, knobs: (r.json as { knobs?: unknown }).knobs, remote: req.socket.remoteAddress });
    res.status(r.status).json(r.json);
  });
  app.delete('/faults', async (req, res) => {
    const parts = await everyService('DELETE', '/faults');
    const failed = parts.find((p) => p.status !== 200);
    if (failed) {
      res.status(failed.status).json(failed.json);
      return;
    }
    audit('reset', { remote: req.socket.remoteAddress });
    res.json({ faults: parts.flatMap((p) => (p.json as { faults: unknown[] }).faults) });
  });
  app.get('/ledger', async (req, res) => {
    const q = ledgerQuery.safeParse(req.query);
    if (!q.success) {
      const i = q.error.issues[0]!;
      const field = issueField(i, 'query');
      res.status(400).json({ error: `${field}: ${i.message}`, field });
      return;
    }
    // A ledger without a service's faults would be wrong, not partial: refuse instead.
    const failed = await syncFired();
    if (failed) {
      res.status(failed.status === 401 ? 502 : failed.status).json(failed.json);
      return;
    }
    res.json(ledger.read({ after: q.data.after, sinceTs: q.data.since_ts, limit: q.data.limit }));
  });
  app.use((err: { status?: number; message?: string; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    // body-parser's errors: the body is what was wrong, so name it.
    const what = err.type === 'entity.parse.failed' ? 'the body is not valid JSON: ' : err.type === 'entity.too.large' ? 'the body is too large: ' : '';
    res.status(err.status ?? 400).json({ error: `bad admin request: ${what}${err.message}`, ...(what ? { field: 'body' } : {}) });
  });
  return listenOn(app, cfg.ADMIN_HOST, cfg.ADMIN_PORT, 'gateway: admin API');
}
