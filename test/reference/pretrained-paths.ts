/**
 * Where the fetched checkpoint and the held-out set live, for tests and scripts:
 * the pins in docker/build/versions.env name the .tools/ folder.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HELDOUT_FILE = join(ROOT, 'target-pipeline/model/pretrained/heldout.json');
export const REFERENCE_FILE = join(ROOT, 'test/reference/minilm-reference.json');

export async function versionsEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(ROOT, 'docker/build/versions.env'), 'utf8');
  return Object.fromEntries(text.split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** .tools/<package>-<version>/ of the served checkpoint, as docker/build/model.sh names it. */
export async function checkpointDir(): Promise<string> {
  const env = await versionsEnv();
  return join(ROOT, '.tools', `${env.MINILM_L6_PACKAGE}-${env.MINILM_L6_VERSION}`);
}

export interface HeldoutExample { text: string; label: string }

export async function readHeldout(): Promise<HeldoutExample[]> {
  return (JSON.parse(await readFile(HELDOUT_FILE, 'utf8')) as { examples: HeldoutExample[] }).examples;
}
