import type { Server } from 'node:http';
import express from 'express';
import type { BoundFault } from '../fault.ts';
import { assertLoopback, audit, requireToken } from './auth.ts';

/**
 * The fault endpoints of one service (the faults it owns), on its own loopback port,
 * behind the token: GET /faults, PUT /faults/:name, DELETE /faults. The gateway's
 * admin API is the front door; this is what it forwards to.
 */
export async function startFaultServer(opts: {
  service: string;
  host: string;
  port: number;
  token: string;
  faults: BoundFault<any, any>[];
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
      res.status(404).json({ error: `${opts.service} owns no fault '${req.params.name}' (it owns: ${[...byName.keys()].join(', ')})` });
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
  app.use((err: { status?: number; message?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 400).json({ error: `bad admin request: ${err.message}` });
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`${opts.service}: fault endpoint port ${opts.port} is already in use`) : err));
  });
}
