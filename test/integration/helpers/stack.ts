import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { loadStackConfig, type StackConfig } from '../../../stack/config.ts';
import { LocalStackProvider, type LocalRunningStack } from '../../../stack/local.ts';
import { ManagedProcess } from '../../../stack/process.ts';
import { REPO_ROOT } from '../../../stack/tools.ts';
import { LISTENING_LINE } from '../../../stack/pipeline.ts';

/** How far apart the ports of two test files running at once are (vitest workers). */
export const WORKER_PORT_STRIDE = 1_000;
/**
 * Integration tests shift every port so that they can run beside a stack a person left up
 * (HARNESS_TEST_PORT_OFFSET moves them again: test/lanes.ts gives each lane its
 * own), and each vitest worker by another WORKER_PORT_STRIDE, so that files run in parallel.
 * Every test port stays below the kernel's ephemeral range (32768 up, where an outgoing
 * connection's local port can take one: a run found INFERENCE_ADMIN_PORT at 34182 taken).
 */
export const TEST_PORT_OFFSET = Number(process.env.HARNESS_TEST_PORT_OFFSET ?? 14_000)
  + WORKER_PORT_STRIDE * (Number(process.env.VITEST_POOL_ID ?? 1) - 1);
/**
 * Runs of one file alive at once (helpers/load-relay.ts) take slots: the ports of slot k are
 * shifted by k times this. Checked with the lanes' offsets (test/unit/lanes.test.ts): no
 * port of any slot, worker or lane equals another's, nor a default one.
 */
export const SLOT_PORT_STRIDE = 500;
/** A short decision_wait keeps tests fast; the policies themselves are the seed's. */
export const TEST_DECISION_WAIT = '2s';

export function testStackConfig(overrides: Partial<StackConfig> = {}): StackConfig {
  const runDir = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? os.tmpdir(), 'harness-it-'));
  return loadStackConfig(
    { ...process.env, HARNESS_PORT_OFFSET: String(TEST_PORT_OFFSET), TAIL_DECISION_WAIT: TEST_DECISION_WAIT, HARNESS_RUN_DIR: runDir },
    overrides,
  );
}

export async function startTestStack(overrides: Partial<StackConfig> = {}): Promise<LocalRunningStack> {
  return new LocalStackProvider().start(testStackConfig(overrides));
}

/**
 * Starts a TypeScript service with this Node and waits for the `LISTENING <port>` line
 * it prints once it accepts connections.
 */
export async function startNodeService(
  name: string, script: string, env: NodeJS.ProcessEnv, logDir: string, timeoutMs = 60_000,
): Promise<{ proc: ManagedProcess; port: number }> {
  const proc = ManagedProcess.start({
    name, command: process.execPath, args: [path.resolve(REPO_ROOT, script)],
    env: { ...process.env, ...env }, cwd: REPO_ROOT, logDir,
  });
  const m = await proc.waitForLog(LISTENING_LINE, `${name} to listen`, timeoutMs);
  return { proc, port: Number(m[1]) };
}
