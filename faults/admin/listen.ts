import type { Server } from 'node:http';
import type { Express } from 'express';

/** Listens, or fails naming what could not get its port. */
export function listenOn(app: Express, host: string, port: number, what: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`${what} port ${port} on ${host} is already in use`) : err));
  });
}
