import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DECISION_WAIT, HARNESS_TENANTS } from '../../stack/config.ts';
import { authHeaders, EXTERNAL_SETTINGS, loadExternalSettings, parseTempoAuth, parseTenants } from '../../stack/external-settings.ts';
import { stackKind, stackProvider } from '../../stack/select.ts';

const BASE = { HARNESS_EXTERNAL_OTLP_URL: 'http://collector.staging:4318/', HARNESS_EXTERNAL_TEMPO_URL: 'https://tempo.staging/tempo' };

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadExternalSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('STACK=external settings', () => {
  it('should take the two URLs alone and default the rest to the harness\'s own layout', () => {
    const s = loadExternalSettings(BASE);
    expect(s).toEqual({
      otlpHttpUrl: 'http://collector.staging:4318', tempoUrl: 'https://tempo.staging/tempo', tenants: HARNESS_TENANTS,
      auth: { kind: 'none' }, authSource: 'none', samplingWaitMs: Number.parseInt(DEFAULT_DECISION_WAIT, 10) * 1000,
    });
  });

  it('should read a tenant map, a credential, Prometheus and the sampling wait', () => {
    const s = loadExternalSettings({
      ...BASE, HARNESS_EXTERNAL_TEMPO_TENANTS: 'harness=team-kept, full=team-all,seed=team-seed', HARNESS_EXTERNAL_TEMPO_AUTH: 'basic:ci:pa:ss',
      HARNESS_EXTERNAL_PROMETHEUS_URL: 'http://prom:9090', HARNESS_EXTERNAL_SAMPLING_WAIT: '45s',
    });
    expect(s.tenants).toEqual({ full: 'team-all', seed: 'team-seed', harness: 'team-kept' });
    expect(s.auth).toEqual({ kind: 'basic', user: 'ci', password: 'pa:ss' });
    expect(authHeaders(s.auth)).toEqual({ Authorization: `Basic ${Buffer.from('ci:pa:ss').toString('base64')}` });
    expect(s.prometheusUrl).toBe('http://prom:9090');
    expect(s.samplingWaitMs).toBe(45_000);
  });

  it('should name every missing URL when the URLs are not set', () => {
    const msg = errorOf({});
    expect(msg).toContain('HARNESS_EXTERNAL_OTLP_URL=(not set): must be set');
    expect(msg).toContain('HARNESS_EXTERNAL_TEMPO_URL=(not set): must be set');
  });

  it('should name the variable and what it should hold when a value is bad', () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ HARNESS_EXTERNAL_OTLP_URL: 'collector:4318' }, 'HARNESS_EXTERNAL_OTLP_URL="collector:4318": the Collector\'s OTLP/HTTP URL: an http:// or https:// URL'],
      [{ HARNESS_EXTERNAL_TEMPO_URL: 'grpc://tempo:9095' }, 'HARNESS_EXTERNAL_TEMPO_URL="grpc://tempo:9095": Tempo\'s HTTP API URL: an http:// or https:// URL'],
      [{ HARNESS_EXTERNAL_PROMETHEUS_URL: 'prom' }, 'HARNESS_EXTERNAL_PROMETHEUS_URL="prom"'],
      [{ HARNESS_EXTERNAL_TEMPO_TENANTS: 'full=a,seed=b' }, 'HARNESS_EXTERNAL_TEMPO_TENANTS="full=a,seed=b": missing role harness'],
      [{ HARNESS_EXTERNAL_TEMPO_TENANTS: 'full=a,seed=b,harness=c,extra=d' }, 'unknown role \'extra\''],
      [{ HARNESS_EXTERNAL_TEMPO_TENANTS: 'full=a,full=b,seed=c,harness=d' }, 'role \'full\' given twice'],
      [{ HARNESS_EXTERNAL_TEMPO_TENANTS: 'full=a b,seed=c,harness=d' }, 'tenant \'a b\' of role full is not a Tempo tenant id'],
      [{ HARNESS_EXTERNAL_TEMPO_TENANTS: 'none' }, 'HARNESS_EXTERNAL_TEMPO_TENANTS="none": none is not supported'],
      [{ HARNESS_EXTERNAL_SAMPLING_WAIT: 'ten seconds' }, 'HARNESS_EXTERNAL_SAMPLING_WAIT="ten seconds": a duration like 500ms, 10s or 1m'],
      [{ HARNESS_EXTERNAL_TEMPO_AUTH: 'bearer' }, 'HARNESS_EXTERNAL_TEMPO_AUTH=(value hidden): bearer needs bearer:<token>'],
      [{ HARNESS_EXTERNAL_TEMPO_AUTH: 'basic:onlyuser' }, 'HARNESS_EXTERNAL_TEMPO_AUTH=(value hidden): basic needs basic:<user>:<password>'],
    ];
    for (const [bad, expected] of cases) expect(errorOf({ ...BASE, ...bad }), JSON.stringify(bad)).toContain(expected);
  });

  it('should never quote a credential in an error', () => {
    const msg = errorOf({ ...BASE, HARNESS_EXTERNAL_TEMPO_AUTH: 'token:s3cr3t-value', HARNESS_EXTERNAL_OTLP_URL: 'nope' });
    expect(msg).toContain('HARNESS_EXTERNAL_TEMPO_AUTH=(value hidden)');
    expect(msg).not.toContain('s3cr3t');
  });

  it('should read the credential from a file, and refuse it given both ways or unreadable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-auth-'));
    const file = path.join(dir, 'tempo-auth');
    fs.writeFileSync(file, 'bearer:from-file\n');
    const s = loadExternalSettings({ ...BASE, HARNESS_EXTERNAL_TEMPO_AUTH_FILE: file });
    expect(s.auth).toEqual({ kind: 'bearer', token: 'from-file' });
    expect(s.authSource).toBe(`HARNESS_EXTERNAL_TEMPO_AUTH_FILE (${file})`);
    expect(errorOf({ ...BASE, HARNESS_EXTERNAL_TEMPO_AUTH_FILE: file, HARNESS_EXTERNAL_TEMPO_AUTH: 'none' }))
      .toContain('HARNESS_EXTERNAL_TEMPO_AUTH_FILE and HARNESS_EXTERNAL_TEMPO_AUTH are both set');
    expect(errorOf({ ...BASE, HARNESS_EXTERNAL_TEMPO_AUTH_FILE: path.join(dir, 'absent') }))
      .toContain(`HARNESS_EXTERNAL_TEMPO_AUTH_FILE=${JSON.stringify(path.join(dir, 'absent'))}: cannot read it (ENOENT)`);
    fs.writeFileSync(file, 'password123');
    const msg = errorOf({ ...BASE, HARNESS_EXTERNAL_TEMPO_AUTH_FILE: file });
    expect(msg).toContain(`HARNESS_EXTERNAL_TEMPO_AUTH_FILE=${JSON.stringify(file)}: its content: expected none, bearer:<token> or basic:<user>:<password>`);
    expect(msg).not.toContain('password123');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('should treat an empty variable as unset, as a Makefile passes them', () => {
    expect(loadExternalSettings({ ...BASE, HARNESS_EXTERNAL_PROMETHEUS_URL: '', HARNESS_EXTERNAL_TEMPO_AUTH: '' }).prometheusUrl).toBeUndefined();
  });

  it('should parse the auth and tenant forms alone', () => {
    expect(parseTempoAuth('none')).toEqual({ kind: 'none' });
    expect(parseTempoAuth(' bearer:abc.def ')).toEqual({ kind: 'bearer', token: 'abc.def' });
    expect(authHeaders(parseTempoAuth('bearer:abc'))).toEqual({ Authorization: 'Bearer abc' });
    expect(authHeaders({ kind: 'none' })).toEqual({});
    expect(parseTenants('full=f,seed=s,harness=h')).toEqual({ full: 'f', seed: 's', harness: 'h' });
  });

  it('should document every setting it reads', () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(Object.keys(EXTERNAL_SETTINGS).filter((name) => !readme.includes(name)), 'settings the README does not name').toEqual([]);
  });
});

describe('STACK selection', () => {
  it('should pick the external provider, reading its settings at once', () => {
    expect(stackKind({ STACK: 'external' })).toBe('external');
    expect(stackProvider({ STACK: 'external', ...BASE }).kind).toBe('external');
    expect(() => stackProvider({ STACK: 'external' })).toThrow(/HARNESS_EXTERNAL_OTLP_URL=\(not set\)/);
  });

  it('should name the three kinds when STACK is unknown', () => {
    expect(() => stackKind({ STACK: 'remote' })).toThrow('STACK="remote": one of local, containers, external (default local)');
  });
});
