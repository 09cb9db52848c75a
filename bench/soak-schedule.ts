/**
 * The soak's fault schedule, in the manner of the OpenTelemetry Demo's flag scheduler: a
 * fixed interval, a hold time, and a seed, so that a run can be repeated exactly. Slot k
 * covers [k * interval, (k + 1) * interval) seconds from the load's start; its fault is on
 * for the slot's last hold_s (its first part is clean, so each slot also measures the
 * pipeline without a fault). Faults come from a seeded shuffle of the list, reshuffled
 * every len(list) slots: each fault is held equally often, in an order that varies.
 */
import { mulberry32 } from '../target-pipeline/model/prng.ts';

export interface FaultWindow {
  slot: number;
  fault: string;
  variant: string;
  /** Seconds from the load's start. */
  on_s: number;
  off_s: number;
}

export function faultSchedule(o: { minutes: number; interval_s: number; hold_s: number; seed: number; faults: Record<string, string> }): FaultWindow[] {
  const names = Object.keys(o.faults).sort();
  const next = mulberry32(o.seed);
  const out: FaultWindow[] = [];
  const slots = Math.floor((o.minutes * 60) / o.interval_s);
  let order: string[] = [];
  for (let slot = 0; slot < slots; slot++) {
    if (slot % names.length === 0) {
      order = [...names];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const fault = order[slot % names.length]!;
    const off_s = (slot + 1) * o.interval_s;
    out.push({ slot, fault, variant: o.faults[fault]!, on_s: off_s - o.hold_s, off_s });
  }
  return out;
}
