import net from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/**
 * Fails with a message naming the port and the component that wanted it when the port
 * is already taken, so that a stale process or another stack is found at once instead
 * of surfacing later as a confusing connection error.
 */
export async function assertPortFree(host: string, port: number, wantedBy: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new PortInUseError(
          `port ${port} on ${host} is already in use, but ${wantedBy} needs it; ` +
          `stop what holds it (try: ss -ltnp 'sport = :${port}') or choose another port (see README, "Ports")`,
        ));
      } else reject(new Error(`cannot check port ${port} on ${host} for ${wantedBy}: ${err.message}`));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** True when nothing listens on host:port (used to prove a stopped stack left no port behind). */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  try {
    await assertPortFree(host, port, 'probe');
    return true;
  } catch {
    return false;
  }
}

/** Asks the kernel for a free loopback port (for tests that run beside a default stack). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const addr = server.address();
      server.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
