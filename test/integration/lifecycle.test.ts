/**
 * The stack's lifecycle guarantees: a taken port is named before anything starts, and
 * Ctrl-C in the middle of a scenario, or a SIGKILL of the runner itself, leaves no
 * process behind and every port free (after a scenario that ends by itself, the
 * scenario and instrumentation-regression tests check the same).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStackProvider } from '../../stack/local.ts';
import { isPortFree } from '../../stack/ports.ts';
import { ManagedProcess, PDEATHSIG_WRAPPER } from '../../stack/process.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { waitFor } from '../../stack/wait.ts';
import { testPipelinePorts } from './helpers/pipeline.ts';
import { processesWithEnv } from './helpers/scenario-command.ts';
import { testStackConfig, TEST_PORT_OFFSET } from './helpers/stack.ts';

describe('stack lifecycle', () => {
  it('should name the port and the component that wanted it when a port is already taken', async () => {
    const cfg = testStackConfig();
    const blocker = net.createServer().listen(cfg.ports.COLLECTOR_OTLP_HTTP_PORT, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await expect(new LocalStackProvider().start(cfg)).rejects.toThrow(
        new RegExp(`port ${cfg.ports.COLLECTOR_OTLP_HTTP_PORT} on 127.0.0.1 is already in use, but the Collector \\(COLLECTOR_OTLP_HTTP_PORT\\) needs it`),
      );
      // Nothing was started, so nothing of the stack holds Tempo's port either.
      expect(await isPortFree('127.0.0.1', cfg.ports.TEMPO_HTTP_PORT)).toBe(true);
    } finally {
      blocker.close();
    }
  });

  // A scenario that passes and one whose verdict fails leave nothing behind either: the
  // scenario test and the instrumentation-regression test check that after each run.

  it('should stop every process and free every port when a scenario is interrupted with Ctrl-C', async () => {
    const runDir = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? '/tmp', 'harness-sigint-'));
    const runner = ManagedProcess.start({
      name: 'scenario-runner', command: process.execPath, args: [path.join(REPO_ROOT, 'assertions/run-scenario.ts'), 'baseline', '--short'],
      env: { ...process.env, HARNESS_PORT_OFFSET: String(TEST_PORT_OFFSET), HARNESS_RUN_DIR: runDir, ...testPipelinePorts() },
      cwd: REPO_ROOT, logDir: runDir,
    });
    // Interrupt once the load is running: stack, pipeline and k6 are all up then.
    await waitFor(() => (fs.readFileSync(runner.logFile, 'utf8').includes('k6:') ? true : undefined),
      { what: 'the scenario to start its load', timeoutMs: 180_000, abortIf: () => runner.deathReason() });
    const pidsFile = path.join(runDir, 'logs');
    await waitFor(() => (fs.existsSync(path.join(pidsFile, 'k6.log')) ? true : undefined), { what: 'k6 to start', timeoutMs: 30_000 });
    process.kill(runner.pid!, 'SIGINT');
    const exit = await runner.exited;
    expect(exit.code).toBe(130);
    const ports = Object.values(testStackConfig().ports).concat(Object.values(testPipelinePorts()).map(Number));
    for (const p of ports) expect(await isPortFree('127.0.0.1', p), `port ${p} still in use`).toBe(true);
    const log = fs.readFileSync(runner.logFile, 'utf8');
    expect(log).toMatch(/SIGINT: stopping .*tempo/);
    // Every process of that run inherited its HARNESS_RUN_DIR: none may be left.
    const left = processesWithEnv(`HARNESS_RUN_DIR=${runDir}`);
    console.log(`[no-orphans] scenario baseline interrupted with SIGINT (exit ${exit.code}): ${left.length} processes of the run left, 0 of ${ports.length} ports still bound`);
    expect(left).toEqual([]);
  });

  // Without setpriv, a harness killed outright leaves its children to init: the skip says so.
  it.skipIf(!PDEATHSIG_WRAPPER)('should leave no process behind when the scenario runner itself is killed with SIGKILL (skipped where util-linux setpriv is missing)', async () => {
    const runDir = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? '/tmp', 'harness-sigkill-'));
    const runner = ManagedProcess.start({
      name: 'scenario-runner', command: process.execPath, args: [path.join(REPO_ROOT, 'assertions/run-scenario.ts'), 'baseline', '--short'],
      env: { ...process.env, HARNESS_PORT_OFFSET: String(TEST_PORT_OFFSET), HARNESS_RUN_DIR: runDir, ...testPipelinePorts() },
      cwd: REPO_ROOT, logDir: runDir,
    });
    await waitFor(() => (fs.existsSync(path.join(runDir, 'logs', 'k6.log')) ? true : undefined),
      { what: 'the scenario to start k6', timeoutMs: 180_000, abortIf: () => runner.deathReason() });
    const before = processesWithEnv(`HARNESS_RUN_DIR=${runDir}`);
    // The runner alone, not its group: no handler of its own may run.
    process.kill(runner.pid!, 'SIGKILL');
    expect((await runner.exited).signal).toBe('SIGKILL');
    const ports = Object.values(testStackConfig().ports).concat(Object.values(testPipelinePorts()).map(Number));
    const left = await waitFor(async () => {
      const l = processesWithEnv(`HARNESS_RUN_DIR=${runDir}`);
      const busy: number[] = [];
      for (const p of ports) if (!(await isPortFree('127.0.0.1', p))) busy.push(p);
      if (l.length || busy.length) throw new Error(`${l.length} processes left (${l[0] ?? ''}), ports ${busy.join(', ')} bound`);
      return l;
    }, { what: 'the killed runner\'s children to be gone', timeoutMs: 15_000 });
    console.log(`[no-orphans] scenario runner killed with SIGKILL while ${before.length} processes of its run were up: ${left.length} left, every port free`);
    expect(before.length).toBeGreaterThanOrEqual(6);
  });
});
