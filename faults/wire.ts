/**
 * How the ground truth travels: each service reports the faults that fired on a
 * request in a response header to its caller, and the gateway writes them to the
 * ledger. Never into a span, an attribute, or anything a sampling policy or a
 * detection query can read.
 */
export const FAULTS_HEADER = 'x-harness-faults';

export const FAULT_NAMES = ['cache-eviction', 'gpu-starvation', 'output-corruption', 'tokenizer-reload'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export function parseFaultsHeader(value: string | null | undefined): FaultName[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter((s): s is FaultName => (FAULT_NAMES as readonly string[]).includes(s));
}

export function faultsHeaderValue(fired: Iterable<string>): string {
  return [...new Set(fired)].sort().join(',');
}
