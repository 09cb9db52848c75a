import type { Server } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Telemetry } from '../telemetry/sdk.ts';
import { HttpError, toError } from './errors.ts';

/** Upper bound on the final span and metric flush at shutdown. */
export const TELEMETRY_FLUSH_TIMEOUT_MS = 3_000;

export interface ServiceHandle {
  server: Server;
  port: number;
}

/**
 * Listens, prints `LISTENING <port>` (what the harness waits for), and on SIGTERM or
 * SIGINT drains: stops accepting, lets in-flight requests finish (bounded by graceMs),
 * runs the service's own close hooks, flushes telemetry, then exits.
 */
export function runService(opts: {
  name: string;
  app: Express;
  host: string;
  port: number;
  telemetry: Telemetry;
  graceMs: number;
  onClose?: () => Promise<void> | void;
  extraServers?: Server[];
}): Promise<ServiceHandle> {
  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];
  return new Promise((resolve, reject) => {
    const server = opts.app.listen(opts.port, opts.host, (err?: Error) => {
      if (err) return reject(err);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      console.log(`LISTENING ${port}`);
      resolve({ server, port });
    });
    // Counted at the server, before any route, so every request in flight is seen by the drain.
    server.on('request', (_req, res) => {
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (inFlight === 0) idle.splice(0).forEach((f) => f());
      });
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        console.error(`${opts.name}: port ${opts.port} on ${opts.host} is already in use; set a free one (see README, "Ports")`);
        process.exit(2);
      }
      reject(err);
    });
    const drain = async (signal: string): Promise<void> => {
      if (draining) return;
      draining = true;
      console.log(`${opts.name}: ${signal}, draining ${inFlight} in-flight request(s)`);
      server.close();
      for (const s of opts.extraServers ?? []) s.close();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => idle.push(r)),
          new Promise<void>((r) => setTimeout(r, opts.graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      try {
        await opts.onClose?.();
      } catch (err) {
        console.error(`${opts.name}: close hook failed: ${toError(err).message}`);
      }
      // Flush what is buffered, but do not hang on a Collector that is gone.
      const flushed = await Promise.race([
        opts.telemetry.shutdown().then(() => true, (err) => (console.error(`${opts.name}: telemetry flush failed: ${toError(err).message}`), false)),
        new Promise<false>((r) => setTimeout(() => r(false), TELEMETRY_FLUSH_TIMEOUT_MS).unref()),
      ]);
      if (!flushed) console.error(`${opts.name}: telemetry not fully flushed within ${TELEMETRY_FLUSH_TIMEOUT_MS} ms`);
      process.exit(0);
    };
    process.once('SIGTERM', () => void drain('SIGTERM'));
    process.once('SIGINT', () => void drain('SIGINT'));
  });
}

/** Last express handler: every error becomes JSON `{ error, field? }` with its status. */
export function jsonErrors(name: string) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
      return;
    }
    const status = e.status ?? e.statusCode ?? 500;
    if (status >= 500) console.error(`${name}: ${toError(err).stack}`);
    res.status(status).json({ error: status >= 500 ? `${name}: internal error: ${e.message}` : String(e.message) });
  };
}
