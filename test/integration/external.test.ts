/**
 * STACK=external against a stack started separately, as a team's staging would be: a
 * second harness process (`node stack/cli.ts up`) runs Tempo, the Collector and
 * Prometheus; the scenario runner, with STACK=external pointing at them, starts only the
 * pipeline and k6. Its verdict must be produced and judge as the local provider judges
 * the same short scenario; a wrong URL and a wrong credential must each stop the run
 * before any load (exit 2, the endpoint named, no pipeline, no k6, nothing left running).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioVerdict } from '../../assertions/reports/types.ts';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { terminalTable } from '../../assertions/reports/write.ts';
import { parse } from 'yaml';
import { durationMs } from '../../stack/external-settings.ts';
import { COLLECTOR_CONFIG } from '../../stack/local.ts';
import { endpointsFor } from '../../stack/provider.ts';
import { pipelinePorts } from '../../stack/pipeline.ts';
import { freePort, isPortFree } from '../../stack/ports.ts';
import { ManagedProcess, tail, type ExitInfo } from '../../stack/process.ts';
import { PIPELINE_SCRAPE_JOB } from '../../stack/prometheus.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { waitFor } from '../../stack/wait.ts';
import { processesWithEnv, scenarioEnv, SCENARIO_COMMAND_TIMEOUT_MS, watchLoadEnd } from './helpers/scenario-command.ts';
import { SLOT_PORT_STRIDE, testStackConfig, TEST_PORT_OFFSET } from './helpers/stack.ts';

const PATTERN = 'cold-start';
const TOKEN = 'staging-token';
const spec = loadScenario(PATTERN, { short: true, env: {} });
const root = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? os.tmpdir(), 'external-'));
const endpoints = endpointsFor(testStackConfig());
/** The separate stack's own record (HARNESS_STACK_STATE), apart from any stack a person left up. */
const stackEnv = {
  ...process.env, HARNESS_PORT_OFFSET: String(TEST_PORT_OFFSET), TAIL_DECISION_WAIT: spec.decision_wait,
  HARNESS_RUN_DIR: path.join(root, 'stack'), HARNESS_STACK_STATE: path.join(root, 'stack.json'),
};
/**
 * The longest the separate stack's Collector takes to store a decision: the seed set's
 * decision_wait (the scenario's) or the harness set's wait after the root (read from
 * docker/otelcol/config.yaml), plus a second for the batch and the export.
 */
const HARNESS_AFTER_ROOT_MS = durationMs(String(parse(fs.readFileSync(COLLECTOR_CONFIG, 'utf8')).processors['tail_sampling/harness'].decision_wait_after_root_received));
const SAMPLING_WAIT = `${Math.max(durationMs(spec.decision_wait), HARNESS_AFTER_ROOT_MS) + 1_000}ms`;

async function stackCli(cmd: 'up' | 'down'): Promise<{ exit: ExitInfo; log: string }> {
  const proc = ManagedProcess.start({ name: `stack-${cmd}`, command: process.execPath, args: ['stack/cli.ts', cmd], cwd: REPO_ROOT, logDir: root, env: stackEnv });
  const exit = await proc.exited;
  return { exit, log: tail(proc.logFile, 30) };
}

interface Run {
  exit: ExitInfo;
  verdict: ScenarioVerdict | undefined;
  log: string;
  runDir: string;
  left: string[];
  busyPipelinePorts: number[];
}

/**
 * The scenario runner (what make scenario-<pattern> runs), short, with `env` on top of the
 * test's, on the test ports shifted to `offset`; `onLoadEnded` once its load is over.
 */
async function scenario(name: string, env: Record<string, string>, offset = TEST_PORT_OFFSET, onLoadEnded?: () => void): Promise<Run> {
  const dir = path.join(root, name);
  const e = scenarioEnv(dir, env, offset);
  const proc = ManagedProcess.start({
    name: `scenario-${name}`, command: process.execPath, args: ['assertions/run-scenario.ts', PATTERN, '--short'], cwd: REPO_ROOT, logDir: dir, env: e,
  });
  const timer = setTimeout(() => void proc.stop(5_000), SCENARIO_COMMAND_TIMEOUT_MS);
  if (onLoadEnded) watchLoadEnd(proc, name, onLoadEnded);
  const exit = await proc.exited.finally(() => clearTimeout(timer));
  onLoadEnded?.();
  const file = path.join(e.HARNESS_REPORTS_DIR!, PATTERN, 'verdict.json');
  const busy: number[] = [];
  for (const p of Object.values(pipelinePorts(offset)).map(Number)) if (!(await isPortFree('127.0.0.1', p))) busy.push(p);
  return {
    exit, log: tail(proc.logFile, 40), runDir: e.HARNESS_RUN_DIR!, busyPipelinePorts: busy,
    verdict: fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioVerdict) : undefined,
    left: processesWithEnv(`HARNESS_RUN_DIR=${e.HARNESS_RUN_DIR}`),
  };
}

/**
 * A test fixture standing for the team's gateway in front of Tempo (Tempo itself has no
 * auth), not a mock backend: every request is forwarded to the real Tempo when it carries
 * the bearer token, and refused with 401 otherwise, as an auth proxy would.
 */
function authProxy(target: string, token: string): { server: http.Server; counts: { forwarded: number; refused: number } } {
  const counts = { forwarded: 0, refused: 0 };
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      counts.refused++;
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('invalid credentials');
      return;
    }
    counts.forwarded++;
    const { authorization: _, host: __, ...headers } = req.headers;
    const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', (err) => {
      res.writeHead(502);
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(out);
  });
  return { server, counts };
}

/** Stopped before any load: exit 2, the endpoint named, no verdict, no pipeline, no k6, nothing left. */
function expectStoppedBeforeLoad(run: Run, named: string[]): void {
  expect(run.exit.code, run.log).toBe(2);
  for (const n of named) expect(run.log).toContain(n);
  expect(run.log).toContain('nothing was started');
  expect(run.log).not.toContain('starting the pipeline');
  expect(run.log).not.toMatch(/\] k6: /);
  expect(fs.existsSync(path.join(run.runDir, 'logs', 'k6.log')), 'k6 log of a run stopped before load').toBe(false);
  expect(fs.existsSync(path.join(run.runDir, 'logs', 'gateway.log')), 'gateway log of a run stopped before load').toBe(false);
  expect(run.verdict).toBeUndefined();
  expect(run.left).toEqual([]);
  expect(run.busyPipelinePorts).toEqual([]);
}

describe('STACK=external: a short scenario against a stack started separately', () => {
  let proxy: ReturnType<typeof authProxy>;
  let proxyUrl = '';
  let external: Run;
  /**
   * The same scenario with the local provider, on ports of its own: started once the
   * external run's load has ended, so that its load overlaps the external run's wait on
   * the backends (as the scenario tests relay theirs), never the external run's load.
   */
  let local: Promise<Run> | undefined;
  let stackUp = false;

  beforeAll(async () => {
    const up = await stackCli('up');
    expect(up.exit.code, up.log).toBe(0);
    stackUp = true;
    // A stack that has been up a while has scraped the pipeline's job; this one just started.
    await waitFor(async () => {
      const r = await fetch(`${endpoints.prometheusUrl}/api/v1/query?${new URLSearchParams({ query: `up{job="${PIPELINE_SCRAPE_JOB}"}` })}`);
      return ((await r.json()) as { data: { result: unknown[] } }).data.result.length > 0 ? true : undefined;
    }, { what: `the separate stack's Prometheus to have scraped job ${PIPELINE_SCRAPE_JOB}`, timeoutMs: 30_000 });
    proxy = authProxy(endpoints.tempoUrl, TOKEN);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await local?.catch(() => undefined);
    await new Promise<void>((r) => (proxy ? proxy.server.close(() => r()) : r()));
    if (stackUp) await stackCli('down');
  });

  const settings = (over: Record<string, string> = {}): Record<string, string> => ({
    STACK: 'external',
    HARNESS_EXTERNAL_OTLP_URL: endpoints.otlpHttpUrl,
    HARNESS_EXTERNAL_TEMPO_URL: proxyUrl,
    HARNESS_EXTERNAL_TEMPO_AUTH: `bearer:${TOKEN}`,
    HARNESS_EXTERNAL_PROMETHEUS_URL: endpoints.prometheusUrl,
    HARNESS_EXTERNAL_SAMPLING_WAIT: SAMPLING_WAIT,
    ...over,
  });

  it(`should produce the verdict of '${PATTERN}' from your Collector and Tempo, every Tempo call through the credential`, async () => {
    external = await scenario('external', settings(), TEST_PORT_OFFSET, () => {
      local ??= scenario('local', { STACK: 'local' }, TEST_PORT_OFFSET + SLOT_PORT_STRIDE);
    });
    expect(external.verdict, `no verdict (exit ${external.exit.code}):\n${external.log}`).toBeDefined();
    const v = external.verdict!;
    console.log(terminalTable(v));
    expect(v.stack).toBe('external');
    expect(v.failures, terminalTable(v)).toEqual([]);
    expect(external.exit.code, external.log).toBe(0);
    expect(proxy.counts.refused, 'Tempo calls without the credential').toBe(0);
    expect(proxy.counts.forwarded, 'Tempo calls forwarded with the credential').toBeGreaterThan(0);
    // What an external stack cannot know is said, not passed.
    expect(v.sampling_cross_check).toBeUndefined();
    expect(v.not_measured?.map((n) => n.what)).toEqual(['sampling_cross_check', 'tenants']);
    expect(v.dashboard?.rules.length).toBeGreaterThan(0);
    expect(external.left).toEqual([]);
    expect(external.busyPipelinePorts).toEqual([]);
    console.log(`[external] ${v.requests} requests, ${v.faulted} faulted, recall ${v.recall}, survival ${v.survival_faulted} (reported), coverage ${JSON.stringify(Object.fromEntries(Object.entries(v.coverage.per_class).map(([f, c]) => [f, `${c!.kept_whole}/${c!.required}`])))}; Tempo calls through the auth proxy ${proxy.counts.forwarded}, refused ${proxy.counts.refused}`);
  });

  it('should stop before any load, naming the Collector, when its URL is wrong (an unused port)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await scenario('wrong-url', settings({ HARNESS_EXTERNAL_OTLP_URL: url }));
    expectStoppedBeforeLoad(run, ['HARNESS_EXTERNAL_OTLP_URL', `${url}/v1/traces`, 'ECONNREFUSED']);
    console.log(`[external] wrong URL: ${run.log.split('\n').find((l) => l.includes('harness failure'))}`);
  });

  it('should stop before any load, naming Tempo, when the credential is refused', async () => {
    const refusedBefore = proxy.counts.refused;
    const run = await scenario('wrong-credential', settings({ HARNESS_EXTERNAL_TEMPO_AUTH: 'bearer:not-the-token' }));
    expectStoppedBeforeLoad(run, ['HARNESS_EXTERNAL_TEMPO_URL', `${proxyUrl}/api/search`, 'answered 401', 'the credential was refused']);
    expect(run.log).not.toContain('not-the-token');
    expect(proxy.counts.refused).toBe(refusedBefore + 1);
    console.log(`[external] wrong credential: ${run.log.split('\n').find((l) => l.includes('harness failure'))}`);
  });

  it('should judge as the local provider judges the same short scenario (pass, recall, precision, coverage)', async () => {
    expect(external?.verdict, 'the external run above produced no verdict').toBeDefined();
    const localRun = await (local ?? scenario('local', { STACK: 'local' }, TEST_PORT_OFFSET + SLOT_PORT_STRIDE));
    expect(localRun.verdict, `no verdict (exit ${localRun.exit.code}):\n${localRun.log}`).toBeDefined();
    // Survival is not compared: the harness set keeps a budget per class, so how many of the
    // faulted traces it kept depends on the run's timing; whether it kept its coverage does not.
    const judged = (v: ScenarioVerdict) => ({
      pass: v.pass, failures: v.failures,
      per_fault: v.per_fault.map((f) => ({ fault: f.fault, recall: f.recall, precision: f.precision, covered: v.coverage.per_class[f.fault]?.met })),
    });
    expect(judged(external.verdict!)).toEqual(judged(localRun.verdict!));
    expect(localRun.verdict!.stack).toBe('local');
    expect(localRun.verdict!.sampling_cross_check?.match).toBe(true);
    console.log(`[external] same judgement: external ${JSON.stringify(judged(external.verdict!).per_fault)}, local ${JSON.stringify(judged(localRun.verdict!).per_fault)}`);
  });
});
