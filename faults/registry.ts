/**
 * Every fault the harness knows, one line each. Owners, admin routing, the per-service
 * wiring and the list of names are all derived from this list; a new fault is its
 * module, one line here, and its data (a preset in presets.json, a pattern in
 * scenarios/patterns.json, a tail-sampling policy).
 */
import { cacheEviction } from './cache-eviction.ts';
import type { FaultModule, FaultOwner } from './fault.ts';
import { gpuStarvation } from './gpu-starvation.ts';
import { outputCorruption } from './output-corruption.ts';
import { tokenizerReload } from './tokenizer-reload.ts';

export const FAULTS = [cacheEviction, gpuStarvation, outputCorruption, tokenizerReload] as const;

export type FaultName = (typeof FAULTS)[number]['name'];
export const FAULT_NAMES = FAULTS.map((f) => f.name) as readonly FaultName[];

/** The faults a service runs: the built-in ones plus any loaded from files (loadFaults). */
export function faultsOwnedBy(owner: FaultOwner, all: readonly FaultModule[] = FAULTS): FaultModule[] {
  return all.filter((f) => f.owner === owner);
}
