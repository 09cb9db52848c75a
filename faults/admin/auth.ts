import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Refuses to start a fault endpoint anywhere but loopback. */
export function assertLoopback(host: string, what: string): void {
  if (!isLoopback(host)) {
    throw new Error(`${what} must bind to loopback (127.0.0.1 or ::1), refusing ADMIN_HOST=${host}: fault injection is never exposed on a network`);
  }
}

/** Bearer-token check in constant time: 401 without a valid token. */
export function requireToken(token: string) {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const got = Buffer.from(req.get('authorization') ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'missing or invalid bearer token (Authorization: Bearer <FAULT_ADMIN_TOKEN>)' });
      return;
    }
    next();
  };
}

/** One audit line per change, to the service log. */
export function audit(action: string, detail: Record<string, unknown>): void {
  console.log(JSON.stringify({ audit: 'fault-admin', ts: new Date().toISOString(), action, ...detail }));
}
