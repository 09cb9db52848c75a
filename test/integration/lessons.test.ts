/**
 * The workshop's commands cannot rot: every lesson's `lesson-command` block
 * (docs/workshop/<pattern>.md) is run as written, in short mode (SCENARIO_SHORT=1),
 * on the test ports, with its run folder and reports in temporary folders, and must
 * exit 0 having written a verdict for its pattern.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManagedProcess, tail } from '../../stack/process.ts';
import { REPO_ROOT } from '../../stack/tools.ts';
import { pipelinePorts } from '../../stack/pipeline.ts';
import { lessonCommands, WORKSHOP_DIR } from '../helpers/workshop.ts';
import { TEST_PORT_OFFSET } from './helpers/stack.ts';

const COMMAND_TIMEOUT_MS = 240_000;

describe('workshop lessons', () => {
  for (const lesson of lessonCommands()) {
    it(`should run the command of lesson '${lesson.name}' (${lesson.command}) to exit 0`, async () => {
      const root = fs.mkdtempSync(path.join(process.env.HARNESS_TEST_RUN_ROOT ?? os.tmpdir(), `lesson-${lesson.name}-`));
      const reports = path.join(root, 'reports');
      const proc = ManagedProcess.start({
        name: `lesson-${lesson.name}`, command: 'bash', args: ['-eo', 'pipefail', '-c', lesson.command],
        cwd: REPO_ROOT, logDir: root,
        env: {
          ...process.env,
          SCENARIO_SHORT: '1',
          HARNESS_PORT_OFFSET: String(TEST_PORT_OFFSET),
          ...pipelinePorts(TEST_PORT_OFFSET),
          HARNESS_RUN_DIR: path.join(root, 'run'),
          HARNESS_REPORTS_DIR: reports,
        },
      });
      const timer = setTimeout(() => void proc.stop(5_000), COMMAND_TIMEOUT_MS);
      const exit = await proc.exited.finally(() => clearTimeout(timer));
      expect(exit.code, `${path.relative(REPO_ROOT, path.join(WORKSHOP_DIR, lesson.file))}: '${lesson.command}' failed:\n${tail(proc.logFile, 30)}`).toBe(0);
      const verdict = JSON.parse(fs.readFileSync(path.join(reports, lesson.name, 'verdict.json'), 'utf8')) as { scenario: string; short: boolean; pass: boolean };
      expect(verdict).toMatchObject({ scenario: lesson.name, short: true, pass: true });
    });
  }
});
