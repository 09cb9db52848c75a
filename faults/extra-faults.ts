/**
 * HARNESS_EXTRA_FAULTS: fault modules kept outside this folder (a test fixture, a
 * team's own fault), loaded from files at start-up and treated exactly like the
 * registry's. Each file exports one FaultModule as `fault`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PIPELINE_SERVICE_IDS } from '../target-pipeline/services.ts';
import type { FaultModule } from './fault.ts';
import { FAULTS } from './registry.ts';

export async function loadFaults(extraFiles: readonly string[]): Promise<FaultModule[]> {
  const all: FaultModule[] = [...FAULTS];
  for (const file of extraFiles) {
    const where = `HARNESS_EXTRA_FAULTS: ${file}`;
    let mod: { fault?: Partial<FaultModule> };
    try {
      mod = (await import(pathToFileURL(path.resolve(file)).href)) as { fault?: Partial<FaultModule> };
    } catch (err) {
      throw new Error(`${where}: cannot be loaded: ${(err as Error).message}`);
    }
    const f = mod.fault;
    if (!f || typeof f.name !== 'string' || typeof f.knobs !== 'function' || typeof f.create !== 'function') {
      throw new Error(`${where}: must export a fault module as 'fault' (name, owner, description, knobs, create)`);
    }
    if (!(PIPELINE_SERVICE_IDS as readonly string[]).includes(f.owner as string)) {
      throw new Error(`${where}: owner '${String(f.owner)}' is not a pipeline service (${PIPELINE_SERVICE_IDS.join(', ')})`);
    }
    if (all.some((known) => known.name === f.name)) throw new Error(`${where}: a fault named '${f.name}' already exists`);
    all.push(f as FaultModule);
  }
  return all;
}
