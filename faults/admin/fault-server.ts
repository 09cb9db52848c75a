import type { Server } from 'node:http';
import express from 'express';
import { z } from 'zod';
import { issueField } from '../../target-pipeline/service/errors.ts';
import type { BoundFault } from '../fault.ts';
import type { FiredLog } from '../fired.ts';
import { assertLoopback, audit, requireToken } from './auth.ts';
import { listenOn } from './listen.ts';

export const MAX_FIRED_PAGE = 50_000;

const firedQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_FIRED_PAGE).default(MAX_FIRED_PAGE),
}).strict();

/**
 * The fault endpoint of one service (the faults it owns), on its own loopback port,
 * behind the token: GET /faults, PUT /faults/:name, DELETE /faults, and GET /fired
 * (what its mechanisms recorded). The front door is what callers use; this is what it
 * forwards to.
 */
export async function startFaultServer(opts: {
  service: string;
  host: string;
  port: number;
  token: string;
  faults: BoundFault<any, any>[];
  fired: FiredLog;
}): Promise<Server> {
  assertLoopback(opts.host, `${opts.service} fault endpoint`);
  const byName = new Map<string, BoundFault<any, any>>(opts.faults.map((f) => [f.module.name, f]));
  const app = express();
  app.use(express.json({ limit: '16kb' }));
  app.use(requireToken(opts.token));
  app.get('/faults', (_req, res) => void res.json({ faults: opts.faults.map((f) => f.status()) }));
  app.put('/faults/:name', (req, res) => {
    const f = byName.get(req.params.name);
    if (!f) {
      res.status(404).json({ error: `${opts.service} owns no fault '${req.params.name}' (it owns: ${[...byName.keys()].join(', ') || 'none'})` });
      return;
    }
    const result = f.enable(req.body);
    if (!result.ok) {
      res.status(400).json({ error: result.message, field: result.field });
      return;
    }
    audit('enable', { service: opts.service, fault: f.module.name, knobs: f.status().knobs });
    res.json(f.status());
  });
  app.delete('/faults', (_req, res) => {
    for (const f of opts.faults) f.reset();
    audit('reset', { service: opts.service });
    res.json({ faults: opts.faults.map((f) => f.status()) });
  });
  app.get('/fired', (req, res) => {
    const q = firedQuery.safeParse(req.query);
    if (!q.success) {
      const field = issueField(q.error.issues[0]!, 'query');
      res.status(400).json({ error: `${field}: ${q.error.issues[0]!.message}`, field });
      return;
    }
    res.json(opts.fired.read(q.data.after, q.data.limit));
  });
  app.use((err: { status?: number; message?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 400).json({ error: `bad admin request: ${err.message}` });
  });
  return listenOn(app, opts.host, opts.port, `${opts.service}: fault endpoint`);
}
