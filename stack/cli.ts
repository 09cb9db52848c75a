/**
 * make stack-up / stack-down / stack-status: the stack as long-running background
 * processes, for people exploring the pipeline by hand. Scenarios and tests do not use
 * this; they start and stop their own stack.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseCli, usageError } from './cli-args.ts';
import { loadStackConfig } from './config.ts';
import { ContainersRunningStack } from './containers.ts';
import { PODMAN_CONF } from './engine.ts';
import { LocalRunningStack } from './local.ts';
import { isAlive, stopPid } from './process.ts';
import { stackKind, stackProvider } from './select.ts';
import { clearState, readState, writeState } from './state.ts';
import { REPO_ROOT } from './tools.ts';

async function up(): Promise<void> {
  if (stackKind() === 'external') {
    throw new Error('STACK=external starts nothing (your Collector and Tempo are already up): run a scenario with it, e.g. STACK=external make scenario-cold-start (README, "Your own Collector and Tempo")');
  }
  const existing = readState();
  if (existing && (existing.processes.some((p) => isAlive(p.pid)) || existing.containers?.ids.length)) {
    throw new Error(`a stack is already up (started ${existing.startedAt}, run folder ${existing.runDir}); run: make stack-down`);
  }
  const cfg = loadStackConfig();
  const stack = await stackProvider(process.env, { detached: true }).start(cfg);
  writeState({
    kind: stack instanceof ContainersRunningStack ? 'containers' : 'local',
    runDir: cfg.runDir,
    endpoints: stack.endpoints,
    processes: stack instanceof LocalRunningStack ? stack.processes.map((p) => ({ name: p.name, pid: p.pid ?? -1, graceMs: p.graceMs })) : [],
    ...(stack instanceof ContainersRunningStack ? { containers: { cli: stack.engine.cli, ids: stack.ids() } } : {}),
    readyMs: stack.readyMs,
    startedAt: new Date().toISOString(),
  });
  console.log(`stack ready in ${stack.readyMs} ms (logs: ${path.relative(REPO_ROOT, cfg.runDir)}/logs)`);
  for (const [k, v] of Object.entries(stack.endpoints)) console.log(`  ${k.padEnd(22)} ${v}`);
}

/** The stack plus the four pipeline services, all left running (make pipeline-up). */
async function pipelineUp(): Promise<void> {
  await up();
  const state = readState()!;
  const { launchPipeline } = await import('./pipeline.ts');
  try {
    const p = await launchPipeline({
      env: { HARNESS_OTLP_HTTP_URL: state.endpoints.otlpHttpUrl },
      logDir: path.join(state.runDir, 'logs'),
      detached: true,
    });
    state.services = [...p.processes.values()].reverse().map((proc) => ({ name: proc.name, pid: proc.pid ?? -1, graceMs: proc.graceMs }));
    writeState(state);
    console.log(`pipeline ready: POST ${p.gatewayUrl}/predict (fault admin API ${p.adminUrl}, FAULT_INJECTION=${p.faults.FAULT_INJECTION})`);
  } catch (err) {
    await down();
    throw err;
  }
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log('no stack recorded as up; nothing to stop');
    return;
  }
  const all = [...(state.services ?? []), ...[...state.processes].reverse()];
  for (const p of all) {
    const t0 = performance.now();
    await stopPid(p.pid, p.name, p.graceMs);
    console.log(`stopped ${p.name} (pid ${p.pid}) in ${Math.round(performance.now() - t0)} ms`);
  }
  if (state.containers?.ids.length) {
    const t0 = performance.now();
    // One at a time, the Collector first: it lives in Tempo's network namespace, which
    // podman will not remove under it.
    for (const id of [...state.containers.ids].reverse()) {
      const r = engineCli(state.containers.cli, ['rm', '-f', '-t', '5', id]);
      if (r.status !== 0 && !/no such container/i.test(r.stderr)) throw new Error(`${state.containers.cli} rm ${id} failed: ${r.stderr.trim()}`);
    }
    console.log(`removed ${state.containers.ids.length} containers in ${Math.round(performance.now() - t0)} ms`);
  }
  clearState();
}

function status(): void {
  const state = readState();
  if (!state) {
    console.log('stack: down');
    return;
  }
  for (const p of [...state.processes, ...(state.services ?? [])]) {
    console.log(`${p.name.padEnd(20)} pid ${p.pid} ${isAlive(p.pid) ? 'running' : 'NOT RUNNING'}`);
  }
  for (const id of state.containers?.ids ?? []) {
    const r = engineCli(state.containers!.cli, ['inspect', '--format', '{{.Name}} {{.Config.Image}} {{.State.Status}}', id]);
    console.log(`container ${id.slice(0, 12)} ${r.status === 0 ? r.stdout.trim() : 'NOT FOUND'}`);
  }
}

function engineCli(cli: string, args: string[]) {
  return spawnSync(cli, args, { encoding: 'utf8', env: { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? PODMAN_CONF } });
}

const USAGE = `usage: make <target>   (node stack/cli.ts <command> with the pinned Node)

  make stack-up        (up)           start Tempo, the Collector and Prometheus in the background
  make pipeline-up     (pipeline-up)  the same, plus the four pipeline services
  make stack-status    (status)       what is recorded as up, and whether each process still runs
  make stack-down      (down)         stop everything up / pipeline-up started

STACK=local (default) runs them as processes, STACK=containers as containers (podman or
docker). The endpoints are printed once ready; logs go to .runs/<run>/logs.

exit codes: 0 done, 2 could not (a port taken, a stack already up, a process that failed to start)`;

const commands: Record<string, () => Promise<void> | void> = { up, down, status, 'pipeline-up': pipelineUp };
const spec = { name: 'stack', usage: USAGE, options: {}, positionals: { min: 1, max: 1 } };
const cmd = parseCli(spec).positionals[0]!;
const run = commands[cmd] ?? usageError(spec, `unknown command '${cmd}' (one of ${Object.keys(commands).join(', ')})`);
try {
  await run();
  // A containers stack leaves the engine's client sockets open; the stack itself is meant to outlive this process.
  process.exit(0);
} catch (err) {
  console.error(`stack ${cmd}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
