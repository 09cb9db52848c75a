/**
 * Reads the workshop's lessons (docs/workshop/<pattern>.md) and the one command each
 * marks to be run (a fenced block whose info string is `sh lesson-command`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../stack/tools.ts';

export const WORKSHOP_DIR = path.join(REPO_ROOT, 'docs/workshop');
export const LESSON_FENCE = /^```sh lesson-command\n([\s\S]*?)^```$/gm;

export interface Lesson {
  /** The pattern the lesson teaches (its file name). */
  name: string;
  file: string;
  text: string;
  /** Every lesson-command block's body, trimmed. */
  commands: string[];
}

export function lessons(dir = WORKSHOP_DIR): Lesson[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md').sort().map((file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    return { name: file.replace(/\.md$/, ''), file, text, commands: [...text.matchAll(LESSON_FENCE)].map((m) => m[1]!.trim()) };
  });
}

/** One command per lesson; a lesson with none or several fails loudly rather than being skipped. */
export function lessonCommands(dir = WORKSHOP_DIR): { name: string; file: string; command: string }[] {
  return lessons(dir).map((l) => {
    if (l.commands.length !== 1) throw new Error(`${l.file}: expected exactly one \`\`\`sh lesson-command block, found ${l.commands.length}`);
    return { name: l.name, file: l.file, command: l.commands[0]! };
  });
}

/** The command each pattern's lesson and the README show, and the scenario test runs. */
export const scenarioCommand = (pattern: string): string => `make scenario-${pattern}`;
