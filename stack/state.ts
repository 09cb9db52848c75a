import fs from 'node:fs';
import path from 'node:path';
import type { StackEndpoints } from './provider.ts';
import { REPO_ROOT } from './tools.ts';

/**
 * Where `make stack-up` records what it left running, for `make stack-down`;
 * HARNESS_STACK_STATE moves it (a test's stack beside one a person left up).
 */
export const STATE_FILE = path.resolve(process.env.HARNESS_STACK_STATE || path.join(REPO_ROOT, '.runs', 'stack.json'));

/** A process left running, with the SIGTERM grace it was started with. */
export interface RecordedProcess {
  name: string;
  pid: number;
  graceMs?: number;
}

export interface StackState {
  kind: 'local' | 'containers';
  runDir: string;
  endpoints: StackEndpoints;
  processes: RecordedProcess[];
  /** STACK=containers: the containers left running, and the CLI that removes them. */
  containers?: { cli: 'podman' | 'docker'; ids: string[] };
  /** Extra processes started on top of the stack (the pipeline), stopped first. */
  services?: RecordedProcess[];
  readyMs: number;
  startedAt: string;
}

export function readState(): StackState | undefined {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export function writeState(state: StackState): void {
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

export function clearState(): void {
  fs.rmSync(STATE_FILE, { force: true });
}
