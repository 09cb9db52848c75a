/**
 * The settings of STACK=external (a team's own Collector and Tempo), read from the
 * environment and validated here, at the edge: every bad value stops the run before
 * anything is contacted, with the variable's name and what it should hold. No secret is
 * ever echoed back: a bad credential is named by its variable, not quoted.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, DEFAULT_DECISION_WAIT, HARNESS_TENANTS, type TenantRole } from './config.ts';

/** The variables, with what each holds: the one list the README, --help and the errors draw on. */
export const EXTERNAL_SETTINGS = {
  HARNESS_EXTERNAL_OTLP_URL: 'base URL of your Collector\'s OTLP/HTTP receiver (the services and k6 post to <url>/v1/traces, /v1/metrics); required',
  HARNESS_EXTERNAL_TEMPO_URL: 'base URL of your Tempo\'s HTTP API (search, trace by id); required',
  HARNESS_EXTERNAL_TEMPO_TENANTS: `full=<tenant>,seed=<tenant>,harness=<tenant>: the X-Scope-OrgID of every span, of the seed's sampled set and of the harness's (default ${tenantList(HARNESS_TENANTS)})`,
  HARNESS_EXTERNAL_TEMPO_AUTH: 'none (default), bearer:<token> or basic:<user>:<password>: sent on every Tempo call',
  HARNESS_EXTERNAL_TEMPO_AUTH_FILE: 'a file holding the same as HARNESS_EXTERNAL_TEMPO_AUTH (one line), so the secret stays out of the environment; not both',
  HARNESS_EXTERNAL_PROMETHEUS_URL: 'your Prometheus\'s HTTP API, for "what the dashboard said"; optional (without it that table is not measured)',
  HARNESS_EXTERNAL_SAMPLING_WAIT: `the longest your Collector takes from a trace's first span to storing its tail-sampling decision (its largest decision_wait, batching included), e.g. 10s (default ${DEFAULT_DECISION_WAIT})`,
} as const;
export type ExternalSettingName = keyof typeof EXTERNAL_SETTINGS;

export type TempoAuth = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

export interface ExternalSettings {
  otlpHttpUrl: string;
  tempoUrl: string;
  tenants: Record<TenantRole, string>;
  /** How the credential was given (the variable or the file), for messages; never the secret. */
  authSource: string;
  auth: TempoAuth;
  prometheusUrl?: string;
  samplingWaitMs: number;
}

function tenantList(t: Record<TenantRole, string>): string {
  return (Object.keys(t) as TenantRole[]).map((r) => `${r}=${t[r]}`).join(',');
}

const httpUrl = (what: string) => z.string().trim().min(1, `${what} must be set`).pipe(
  z.url({ protocol: /^https?$/, message: `${what}: an http:// or https:// URL` }),
).transform((u) => u.replace(/\/+$/, ''));

const TENANT = /^[A-Za-z0-9!\-_.*'()]{1,150}$/;
const ROLES = Object.keys(HARNESS_TENANTS) as TenantRole[];

/** `full=a,seed=b,harness=c`: every role once, each a tenant id Tempo accepts. */
export function parseTenants(text: string): Record<TenantRole, string> {
  if (text.trim() === 'none') {
    // A Tempo without multitenancy holds one view; the verdict reads three (every span,
    // the seed's kept set, the harness's), so it cannot tell them apart there.
    throw new Error('none is not supported: the verdict reads three views (every span, the seed\'s sampled set, the harness\'s), which a Tempo without multitenancy cannot keep apart; give full=<tenant>,seed=<tenant>,harness=<tenant>');
  }
  const out: Partial<Record<TenantRole, string>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(.*)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not role=tenant`);
    const [, role, tenant] = m as unknown as [string, string, string];
    if (!ROLES.includes(role as TenantRole)) throw new Error(`unknown role '${role}' (roles: ${ROLES.join(', ')})`);
    if (out[role as TenantRole] !== undefined) throw new Error(`role '${role}' given twice`);
    if (!TENANT.test(tenant)) throw new Error(`tenant '${tenant}' of role ${role} is not a Tempo tenant id (letters, digits, !-_.*'(), at most 150)`);
    out[role as TenantRole] = tenant;
  }
  const missing = ROLES.filter((r) => out[r] === undefined);
  if (missing.length) throw new Error(`missing role${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (give full=<tenant>,seed=<tenant>,harness=<tenant>)`);
  return out as Record<TenantRole, string>;
}

/** `none`, `bearer:<token>` or `basic:<user>:<password>` (the password may hold colons). */
export function parseTempoAuth(text: string): TempoAuth {
  const t = text.trim();
  if (t === 'none') return { kind: 'none' };
  if (t === 'bearer' || t === 'bearer:') throw new Error('bearer needs bearer:<token>');
  const bearer = /^bearer:(.+)$/.exec(t);
  if (bearer) {
    if (/\s/.test(bearer[1]!)) throw new Error('a bearer token holds no whitespace');
    return { kind: 'bearer', token: bearer[1]! };
  }
  const basic = /^basic:([^:]+):(.+)$/.exec(t);
  if (basic) return { kind: 'basic', user: basic[1]!, password: basic[2]! };
  if (t.startsWith('basic:')) throw new Error('basic needs basic:<user>:<password>, both non-empty');
  // Nothing of the value is quoted: it may be the secret itself.
  throw new Error('expected none, bearer:<token> or basic:<user>:<password>');
}

/** The HTTP header an auth setting becomes; every Tempo call carries it (assertions/tempo/client.ts). */
export function authHeaders(auth: TempoAuth): Record<string, string> {
  if (auth.kind === 'bearer') return { Authorization: `Bearer ${auth.token}` };
  if (auth.kind === 'basic') return { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
  return {};
}

/** A Collector-style duration (500ms, 10s, 1m) in ms; throws naming the accepted forms. */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error('a duration like 500ms, 10s or 1m');
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

/** A refinement from a parser that throws: its message becomes the issue's. */
const via = <T>(parse: (s: string) => T) => z.string().transform((s, ctx) => {
  try {
    return parse(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const schema = z.object({
  HARNESS_EXTERNAL_OTLP_URL: httpUrl('the Collector\'s OTLP/HTTP URL'),
  HARNESS_EXTERNAL_TEMPO_URL: httpUrl('Tempo\'s HTTP API URL'),
  HARNESS_EXTERNAL_TEMPO_TENANTS: via(parseTenants).default(HARNESS_TENANTS),
  HARNESS_EXTERNAL_TEMPO_AUTH: via(parseTempoAuth).optional(),
  HARNESS_EXTERNAL_TEMPO_AUTH_FILE: z.string().min(1).optional(),
  HARNESS_EXTERNAL_PROMETHEUS_URL: httpUrl('Prometheus\'s HTTP API URL').optional(),
  HARNESS_EXTERNAL_SAMPLING_WAIT: via(durationMs).default(durationMs(DEFAULT_DECISION_WAIT)),
});

/** Values shown in an error: a credential's variable is named, never quoted. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '(not set)';
  return name === 'HARNESS_EXTERNAL_TEMPO_AUTH' ? '(value hidden)' : JSON.stringify(value);
}

/** Reads and checks the STACK=external settings; one line per bad variable, all at once. */
export function loadExternalSettings(env: NodeJS.ProcessEnv = process.env): ExternalSettings {
  const known = Object.keys(EXTERNAL_SETTINGS) as ExternalSettingName[];
  // An empty variable counts as unset, as a Makefile passes them.
  const input = Object.fromEntries(known.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const lines: string[] = [];
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const name = String(i.path[0]);
      const unset = i.code === 'invalid_type' && input[name] === undefined;
      lines.push(`  ${name}=${shown(name, input[name])}: ${unset ? `must be set: ${EXTERNAL_SETTINGS[name as ExternalSettingName]}` : i.message}`);
    }
  }
  let auth: TempoAuth = parsed.success ? (parsed.data.HARNESS_EXTERNAL_TEMPO_AUTH ?? { kind: 'none' }) : { kind: 'none' };
  let authSource = parsed.success && parsed.data.HARNESS_EXTERNAL_TEMPO_AUTH ? 'HARNESS_EXTERNAL_TEMPO_AUTH' : 'none';
  const file = input.HARNESS_EXTERNAL_TEMPO_AUTH_FILE;
  if (file !== undefined) {
    if (input.HARNESS_EXTERNAL_TEMPO_AUTH !== undefined) {
      lines.push('  HARNESS_EXTERNAL_TEMPO_AUTH_FILE and HARNESS_EXTERNAL_TEMPO_AUTH are both set: give the credential one way');
    } else {
      try {
        auth = parseTempoAuth(fs.readFileSync(file, 'utf8'));
        authSource = `HARNESS_EXTERNAL_TEMPO_AUTH_FILE (${file})`;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        lines.push(`  HARNESS_EXTERNAL_TEMPO_AUTH_FILE=${JSON.stringify(file)}: ${e.code ? `cannot read it (${e.code})` : `its content: ${e.message}`}`);
      }
    }
  }
  if (lines.length || !parsed.success) throw new ConfigError(`invalid STACK=external settings in the environment:\n${lines.join('\n')}`);
  const d = parsed.data;
  return {
    otlpHttpUrl: d.HARNESS_EXTERNAL_OTLP_URL,
    tempoUrl: d.HARNESS_EXTERNAL_TEMPO_URL,
    tenants: d.HARNESS_EXTERNAL_TEMPO_TENANTS,
    auth,
    authSource,
    ...(d.HARNESS_EXTERNAL_PROMETHEUS_URL ? { prometheusUrl: d.HARNESS_EXTERNAL_PROMETHEUS_URL } : {}),
    samplingWaitMs: d.HARNESS_EXTERNAL_SAMPLING_WAIT,
  };
}

/** The settings as help text: one line per variable. */
export function externalSettingsHelp(indent = '  '): string {
  return (Object.entries(EXTERNAL_SETTINGS) as [string, string][]).map(([k, v]) => `${indent}${k}\n${indent}    ${v}`).join('\n');
}
