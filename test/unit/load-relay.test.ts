import { describe, expect, it } from 'vitest';
import { LOAD_ENDED_LINE, loadEndedLine } from '../../assertions/scenario/run.ts';
import { LoadRelay, type RelayLeg } from '../integration/helpers/load-relay.ts';

/** Which of the asked legs have started, in order, after the microtasks settle. */
async function started(legs: Array<Promise<RelayLeg>>): Promise<Array<RelayLeg | undefined>> {
  const seen: Array<RelayLeg | undefined> = legs.map(() => undefined);
  legs.forEach((p, i) => void p.then((l) => (seen[i] = l)));
  await new Promise((r) => setImmediate(r));
  return seen;
}

describe('LoadRelay', () => {
  it('should start the next run only once the one before has ended its load', async () => {
    const relay = new LoadRelay(2);
    const legs = [relay.acquire(), relay.acquire()];
    let s = await started(legs);
    expect(s.map((l) => l?.slot)).toEqual([0, undefined]);
    s[0]!.loadEnded();
    s = await started(legs);
    expect(s.map((l) => l?.slot)).toEqual([0, 1]);
  });

  it('should hold a run back while every slot is taken, even with no load on', async () => {
    const relay = new LoadRelay(2);
    const legs = [relay.acquire(), relay.acquire(), relay.acquire()];
    let s = await started(legs);
    s[0]!.loadEnded();
    s = await started(legs);
    s[1]!.loadEnded();
    s = await started(legs);
    expect(s[2], 'a third run while two are alive').toBeUndefined();
    s[1]!.release();
    s = await started(legs);
    expect(s[2]?.slot, 'the freed slot').toBe(1);
  });

  it('should end the load of a run that is released without saying so (a run that failed early)', async () => {
    const relay = new LoadRelay(2);
    const legs = [relay.acquire(), relay.acquire()];
    let s = await started(legs);
    s[0]!.release();
    s = await started(legs);
    expect(s[1]?.slot).toBe(0);
  });

  it('should ignore a second loadEnded or release of the same run', async () => {
    const relay = new LoadRelay(1);
    const legs = [relay.acquire(), relay.acquire(), relay.acquire()];
    let s = await started(legs);
    s[0]!.loadEnded();
    s[0]!.release();
    s[0]!.release();
    s = await started(legs);
    expect(s.map((l) => l?.slot)).toEqual([0, 0, undefined]);
  });

  it('should refuse a relay without slots', () => {
    expect(() => new LoadRelay(0)).toThrow(/positive integer/);
  });

  it('should hear the line a run prints when its load has ended, and no other', () => {
    expect(LOAD_ENDED_LINE.test(`[soak] x\n[gpu-queue] ${loadEndedLine(122)}\n`)).toBe(true);
    expect(LOAD_ENDED_LINE.test(`[gpu-queue] k6: 15/s, 4 s warm-up then 15 s with gpu-starvation`)).toBe(false);
  });
});
