/**
 * make stack-up / stack-down / stack-status: the stack as long-running background
 * processes, for people exploring the pipeline by hand. Scenarios and tests do not use
 * this; they start and stop their own stack.
 */
import path from 'node:path';
import { loadStackConfig } from './config.ts';
import { LocalStackProvider } from './local.ts';
import { isAlive, stopPid } from './process.ts';
import { clearState, readState, writeState } from './state.ts';
import { REPO_ROOT } from './tools.ts';

async function up(): Promise<void> {
  const existing = readState();
  if (existing && existing.processes.some((p) => isAlive(p.pid))) {
    throw new Error(`a stack is already up (started ${existing.startedAt}, run folder ${existing.runDir}); run: make stack-down`);
  }
  const cfg = loadStackConfig();
  const stack = await new LocalStackProvider({ detached: true }).start(cfg);
  writeState({
    kind: 'local',
    runDir: cfg.runDir,
    endpoints: stack.endpoints,
    processes: stack.processes.map((p) => ({ name: p.name, pid: p.pid ?? -1, graceMs: p.graceMs })),
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
  const { launchPipeline } = await import('../target-pipeline/launch.ts');
  try {
    const p = await launchPipeline({
      env: { HARNESS_OTLP_HTTP_URL: state.endpoints.otlpHttpUrl },
      logDir: path.join(state.runDir, 'logs'),
      detached: true,
    });
    state.services = [...p.processes.values()].reverse().map((proc) => ({ name: proc.name, pid: proc.pid ?? -1, graceMs: proc.graceMs }));
    writeState(state);
    console.log(`pipeline ready: POST ${p.gatewayUrl}/predict (fault admin API ${p.adminUrl}, FAULT_INJECTION=${p.config.FAULT_INJECTION})`);
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
}

const commands: Record<string, () => Promise<void> | void> = { up, down, status, 'pipeline-up': pipelineUp };
const cmd = process.argv[2] ?? '';
const run = commands[cmd];
if (!run) {
  console.error(`usage: node stack/cli.ts <${Object.keys(commands).join('|')}> (got '${cmd}')`);
  process.exit(2);
}
try {
  await run();
} catch (err) {
  console.error(`stack ${cmd}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
