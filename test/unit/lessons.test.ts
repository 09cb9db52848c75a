/**
 * The workshop's commands cannot rot: every lesson (docs/workshop/<pattern>.md) has one
 * `lesson-command` block, and it is exactly the command the scenario test runs for that
 * pattern (test/integration/scenarios.test.ts), so each is run for real in `make test`
 * without running any scenario twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/tools.ts';
import { patternNames } from '../../assertions/scenario/config.ts';
import { lessonCommands, scenarioCommand } from '../helpers/workshop.ts';

describe('workshop lessons', () => {
  const lessons = lessonCommands();

  it('should have one lesson per scenario pattern', () => {
    expect(lessons.map((l) => l.name).sort()).toEqual([...patternNames()].sort());
  });

  it.each(lessons.map((l) => [l.file, l] as const))("should give in %s the command the scenario test runs for its pattern", (_file, lesson) => {
    expect(lesson.command).toBe(scenarioCommand(lesson.name));
  });

  it('should have the scenario test file that registers every pattern\'s run', () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, 'test/integration/scenarios.test.ts'), 'utf8')).toContain('scenarioSuite()');
  });
});
