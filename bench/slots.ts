/**
 * The interleaved overhead load (bench/load.ts with GATEWAY_URLS): one k6 run whose time is
 * cut into slots, each slot's requests sent to one pipeline, the two sides taking turns in
 * rounds whose order alternates (on, off | off, on | ...). Shared by the k6 script, which
 * picks the target of each request, and the runner, which reads each side's ledger back
 * into the same slots. No imports: k6 loads this file too.
 */

/** Index into [on, off] of the pipeline that slot k (from 0) loads. */
export function slotSide(k: number): 0 | 1 {
  const round = Math.floor(k / 2);
  const first = round % 2 === 0 ? 0 : 1;
  return (k % 2 === 0 ? first : 1 - first) as 0 | 1;
}

/** The slot of a time (epoch ms) in a run that starts at startAt, or -1 before it. */
export function slotOf(epochMs: number, startAt: number, slotMs: number): number {
  return epochMs < startAt ? -1 : Math.floor((epochMs - startAt) / slotMs);
}

/**
 * How late after its slot ended a request may arrive and still count for it: the time from
 * k6 picking the side to the gateway taking the request (well under a millisecond on
 * loopback, more while a core is busy).
 */
export const SLOT_EDGE_MS = 100;

/**
 * The slot a request of side `side` belongs to, from the time its gateway saw it arrive:
 * k6 picks the side just before sending, so a request sent at the end of its slot can
 * arrive in the next one, which is then the other side's; it belongs to the one before.
 * undefined: outside the run's slots, or in no slot of its side (not counted).
 */
export function slotOfArrival(epochMs: number, side: 0 | 1, startAt: number, slotMs: number, slots: number): number | undefined {
  const k = slotOf(epochMs, startAt, slotMs);
  if (k >= 0 && k < slots && slotSide(k) === side) return k;
  const late = epochMs - (startAt + k * slotMs);
  if (k >= 1 && k - 1 < slots && late < SLOT_EDGE_MS && slotSide(k - 1) === side) return k - 1;
  return undefined;
}
