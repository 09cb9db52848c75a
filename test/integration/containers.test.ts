/**
 * The containers provider (STACK=containers): Tempo and the Collector as containers
 * built from docker/, through testcontainers and podman (or DOCKER_HOST). Same ports
 * contract and config files as the local provider, so a span from a local service
 * reaches both tenants, and a scenario passes with the same assertions. Where no
 * engine can run, every test here is reported skipped with the reason in its name.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../assertions/scenario/config.ts';
import { runScenarioWithData } from '../../assertions/scenario/run.ts';
import { terminalTable, writeReports } from '../../assertions/reports/write.ts';
import { spansOf, TempoClient } from '../../assertions/tempo/client.ts';
import { STACK_LABEL, type ContainersRunningStack } from '../../stack/containers.ts';
import { engineProblem, PODMAN_CONF } from '../../stack/engine.ts';
import { isPortFree } from '../../stack/ports.ts';
import type { ManagedProcess } from '../../stack/process.ts';
import { endpointsFor } from '../../stack/provider.ts';
import { stackProvider } from '../../stack/select.ts';
import { ruleExpressions } from '../../assertions/prometheus/expressions.ts';
import { PROMETHEUS_RULES } from '../../stack/prometheus.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { waitFor } from '../../stack/wait.ts';
import { traceIdFromTraceResponse } from '../../target-pipeline/telemetry/http.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { startNodeService, testStackConfig } from './helpers/stack.ts';

const problem = engineProblem();
const named = (what: string) => (problem ? `${what} (skipped: no container engine can run here: ${problem})` : what);
const TRACE_WAIT_MS = 60_000;
const SLOW_MS = 1_200; // over the seed's 800 ms latency policy, so tenant "sampled" keeps it

function cli(args: string[]): string {
  const r = spawnSync(process.env.DOCKER_HOST ? 'docker' : 'podman', args, {
    env: { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? PODMAN_CONF }, encoding: 'utf8',
  });
  return r.stdout ?? '';
}

describe.skipIf(problem !== undefined)('containers provider', () => {
  let stack: ContainersRunningStack;
  let service: ManagedProcess | undefined;

  beforeAll(async () => {
    stack = (await stackProvider({ STACK: 'containers' }).start(testStackConfig())) as ContainersRunningStack;
    console.log(`containers stack ready in ${stack.readyMs} ms (images checked in ${stack.imagesMs} ms)`);
  });

  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
  });

  it(named('should publish the same endpoints as the local provider, on loopback only'), () => {
    expect(stack.endpoints).toEqual(endpointsFor(stack.config));
    const bindings = stack.ids().flatMap((id) => {
      const ports = JSON.parse(cli(['inspect', '--format', '{{json .HostConfig.PortBindings}}', id]) || '{}') as Record<string, { HostIp: string }[] | null>;
      return Object.values(ports).flatMap((b) => b ?? []);
    });
    expect(bindings.length).toBeGreaterThanOrEqual(7);
    expect(new Set(bindings.map((b) => b.HostIp))).toEqual(new Set(['127.0.0.1']));
  });

  it(named('should carry a local service\'s span to tenant full, and to tenant sampled when it is slow'), async () => {
    const started = await startNodeService('skeleton', 'test/fixtures/skeleton-service.ts',
      { HARNESS_OTLP_HTTP_URL: stack.endpoints.otlpHttpUrl, PORT: '0' }, path.join(stack.config.runDir, 'logs'));
    service = started.proc;
    const res = await fetch(`http://127.0.0.1:${started.port}/work?ms=${SLOW_MS}`);
    expect(res.status).toBe(200);
    const id = traceIdFromTraceResponse(res.headers.get('traceresponse'));
    expect(id).toBeTruthy();
    const full = new TempoClient(stack.endpoints.tempoUrl, 'full');
    const inFull = await waitFor(() => full.traceById(id!), { what: `trace ${id} in tenant full`, timeoutMs: TRACE_WAIT_MS });
    expect(spansOf(inFull).map((s) => s.name)).toEqual(['skeleton.work']);
    const inSampled = await waitFor(() => full.forTenant('sampled').traceById(id!), { what: `trace ${id} in tenant sampled`, timeoutMs: TRACE_WAIT_MS });
    expect(spansOf(inSampled)).toHaveLength(1);
  });

  it(named('should remove every container and free every port when stopped'), async () => {
    const ids = stack.ids();
    // Tempo, the Collector and Prometheus.
    expect(ids).toHaveLength(3);
    await service?.stop();
    await stack.stop();
    expect(cli(['ps', '-aq', '--filter', `label=harness.run=${stack.config.runDir}`]).trim()).toBe('');
    for (const url of Object.values(stack.endpoints)) {
      const port = Number(new URL(url).port);
      await waitFor(async () => ((await isPortFree('127.0.0.1', port)) ? true : undefined), { what: `port ${port} free after stop`, timeoutMs: 10_000 });
    }
    expect(cli(['ps', '-aq', '--filter', `label=${STACK_LABEL}`]).split('\n').filter((id) => ids.includes(id))).toEqual([]);
  });
});

describe.skipIf(problem !== undefined)('a scenario on the containers provider', () => {
  it(named('should reproduce and prove \'gpu-queue\' end to end with STACK=containers'), async () => {
    const spec = loadScenario('gpu-queue', { short: true, env: {} });
    const { verdict, reportData } = await runScenarioWithData(spec, {
      env: { STACK: 'containers' },
      stackConfig: testStackConfig({ decisionWait: spec.decision_wait }),
      pipelineEnv: testPipelinePorts(),
      log: () => {},
    });
    writeReports(verdict, path.join(REPO_ROOT, 'reports', 'test-containers'), reportData);
    console.log(terminalTable(verdict));
    expect(verdict.stack).toBe('containers');
    expect(verdict.failures, terminalTable(verdict)).toEqual([]);
    expect(verdict.pass).toBe(true);
    expect(verdict.faulted).toBeGreaterThanOrEqual(spec.min_faulted);
    // The Prometheus container scraped the Collector and evaluated the committed rules.
    expect(verdict.dashboard?.rules).toEqual(ruleExpressions(PROMETHEUS_RULES).map((e) => e.where.replace(/^rules\.yml: /, '')));
  });
});
