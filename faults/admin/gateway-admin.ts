import type { Server } from 'node:http';
import express from 'express';
import { z } from 'zod';
import type { PipelineConfig } from '../../target-pipeline/config.ts';
import { cacheEviction } from '../cache-eviction.ts';
import type { FaultOwner } from '../fault.ts';
import { gpuStarvation } from '../gpu-starvation.ts';
import type { Ledger } from '../ledger.ts';
import { outputCorruption } from '../output-corruption.ts';
import { tokenizerReload } from '../tokenizer-reload.ts';
import { issueField } from '../../target-pipeline/service/errors.ts';
import { assertLoopback, audit, requireToken } from './auth.ts';

export const MAX_LEDGER_PAGE = 10_000;
const OWNERS: Record<string, FaultOwner> = Object.fromEntries(
  [cacheEviction, gpuStarvation, outputCorruption, tokenizerReload].map((m) => [m.name, m.owner]),
);

const ledgerQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  since_ts: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LEDGER_PAGE).default(1000),
}).strict();

/**
 * The fault admin API, on its own loopback port: GET /faults, PUT /faults/<name>,
 * DELETE /faults, GET /ledger. It always listens (so that a refusal is explicit) but
 * answers 403 to everything unless FAULT_INJECTION=on, and 401 without the token.
 */
export async function startAdminApi(cfg: PipelineConfig, ledger: Ledger): Promise<Server> {
  assertLoopback(cfg.ADMIN_HOST, 'the fault admin API');
  const ownerUrl: Record<FaultOwner, string> = {
    'feature-extractor': `http://${cfg.ADMIN_HOST}:${cfg.FEATURE_EXTRACTOR_ADMIN_PORT}`,
    inference: `http://${cfg.ADMIN_HOST}:${cfg.INFERENCE_ADMIN_PORT}`,
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

  const forward = async (owner: FaultOwner, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const url = `${ownerUrl[owner]}${path}`;
    try {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${cfg.FAULT_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: await res.json() };
    } catch (err) {
      return { status: 503, json: { error: `the ${owner} service's fault endpoint is not reachable at ${url}: ${(err as Error).message}` } };
    }
  };

  app.get('/faults', async (_req, res) => {
    const parts = await Promise.all((Object.keys(ownerUrl) as FaultOwner[]).map((o) => forward(o, 'GET', '/faults')));
    const failed = parts.find((p) => p.status !== 200);
    if (failed) {
      res.status(failed.status === 401 ? 502 : failed.status).json(failed.json);
      return;
    }
    res.json({ faults: parts.flatMap((p) => (p.json as { faults: unknown[] }).faults) });
  });
  app.put('/faults/:name', async (req, res) => {
    const owner = OWNERS[req.params.name];
    if (!owner) {
      res.status(404).json({ error: `unknown fault '${req.params.name}'; known faults: ${Object.keys(OWNERS).join(', ')}` });
      return;
    }
    const r = await forward(owner, 'PUT', `/faults/${req.params.name}`, req.body ?? {});
    if (r.status === 200) audit('enable', { fault: req.params.name, knobs: (r.json as { knobs?: unknown }).knobs, remote: req.socket.remoteAddress });
    res.status(r.status).json(r.json);
  });
  app.delete('/faults', async (req, res) => {
    const parts = await Promise.all((Object.keys(ownerUrl) as FaultOwner[]).map((o) => forward(o, 'DELETE', '/faults')));
    const failed = parts.find((p) => p.status !== 200);
    if (failed) {
      res.status(failed.status).json(failed.json);
      return;
    }
    audit('reset', { remote: req.socket.remoteAddress });
    res.json({ faults: parts.flatMap((p) => (p.json as { faults: unknown[] }).faults) });
  });
  app.get('/ledger', (req, res) => {
    const q = ledgerQuery.safeParse(req.query);
    if (!q.success) {
      const i = q.error.issues[0]!;
      const field = issueField(i, 'query');
      res.status(400).json({ error: `${field}: ${i.message}`, field });
      return;
    }
    res.json(ledger.read({ after: q.data.after, sinceTs: q.data.since_ts, limit: q.data.limit }));
  });
  app.use((err: { status?: number; message?: string; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    // body-parser's errors: the body is what was wrong, so name it.
    const what = err.type === 'entity.parse.failed' ? 'the body is not valid JSON: ' : err.type === 'entity.too.large' ? 'the body is too large: ' : '';
    res.status(err.status ?? 400).json({ error: `bad admin request: ${what}${err.message}`, ...(what ? { field: 'body' } : {}) });
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(cfg.ADMIN_PORT, cfg.ADMIN_HOST, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`gateway: admin API port ${cfg.ADMIN_PORT} on ${cfg.ADMIN_HOST} is already in use`) : err));
  });
}
