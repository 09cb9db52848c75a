/**
 * Stopping a child that will not stop: the grace period, the hang dump, then SIGKILL.
 * Real child processes (this Node), no backend.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../stack/process.ts';
import { waitFor } from '../../stack/wait.ts';

const started: ManagedProcess[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.stop(100);
});

/** A child that ignores SIGTERM and, when `onQuit`, writes a line and exits 2 on SIGQUIT (as a Go binary does). */
function stubborn(onQuit: boolean): ManagedProcess {
  const script = [
    "process.on('SIGTERM', () => console.log('SIGTERM ignored'));",
    onQuit ? "process.on('SIGQUIT', () => { console.log('goroutine 1 [stuck here]'); process.exit(2); });" : "process.on('SIGQUIT', () => {});",
    "setInterval(() => {}, 1000); console.log('READY');",
  ].join('\n');
  const p = ManagedProcess.start({
    name: 'stubborn', command: process.execPath, args: ['-e', script],
    logDir: fs.mkdtempSync(path.join(os.tmpdir(), 'harness-proc-')), hangDumpSignal: 'SIGQUIT', slowStopReason: 'the test makes it hang',
  });
  started.push(p);
  return p;
}

describe('ManagedProcess.stop', () => {
  it('should send the hang-dump signal when the grace period runs out, and keep what the process wrote', async () => {
    const p = stubborn(true);
    await p.waitForLog(/READY/, 'the stub to start', 10_000);
    const exit = await p.stop(300, { dumpOnHang: true });
    expect(exit).toEqual({ code: 2, signal: null, forced: true });
    await waitFor(() => (p.logText().includes('goroutine 1 [stuck here]') ? true : undefined), { what: 'the dump in the log', timeoutMs: 2_000 });
    expect(p.logText()).toMatch(/no exit 300 ms after SIGTERM: SIGQUIT/);
  });

  it('should SIGKILL a process that ignores the hang-dump signal too', async () => {
    const p = stubborn(false);
    await p.waitForLog(/READY/, 'the stub to start', 10_000);
    const exit = await p.stop(300, { dumpOnHang: true });
    expect(exit).toEqual({ code: null, signal: 'SIGKILL', forced: true });
  });

  it('should SIGKILL without a dump when the stop does not ask for one', async () => {
    const p = stubborn(true);
    await p.waitForLog(/READY/, 'the stub to start', 10_000);
    expect(await p.stop(300)).toEqual({ code: null, signal: 'SIGKILL', forced: true });
    expect(p.logText()).not.toMatch(/stuck here/);
  });

  it('should not mark a process that stops within its grace period as forced', async () => {
    const p = ManagedProcess.start({
      name: 'polite', command: process.execPath, args: ['-e', "setInterval(() => {}, 1000); console.log('READY');"],
      logDir: fs.mkdtempSync(path.join(os.tmpdir(), 'harness-proc-')),
    });
    started.push(p);
    await p.waitForLog(/READY/, 'the stub to start', 10_000);
    expect(await p.stop(5_000)).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
