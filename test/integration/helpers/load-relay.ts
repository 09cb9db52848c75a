/**
 * Runs that each put load on the machine hand it on like a baton: a run starts only once
 * the run before it has ended its load, and at most `slots` are alive at once, each on its
 * own slot (its own ports). What overlaps is one run's waits on the backends (the
 * samplers' decisions, Tempo's ingestion, the verdict's queries) with the next run's start
 * and load, never two loads: the checks that depend on load (an unfaulted request must
 * not queue, a cold start must not look slow) see the machine as a lone run does.
 */
export interface RelayLeg {
  /** Which slot this run has (0-based): its ports derive from it. */
  slot: number;
  /** This run's load has ended: the next run may start. Idempotent. */
  loadEnded(): void;
  /** This run is over (passed, failed or threw): frees its slot, and ends its load if it had not. Idempotent. */
  release(): void;
}

export class LoadRelay {
  private readonly free: number[];
  private loading = false;
  private readonly queue: Array<(leg: RelayLeg) => void> = [];

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`LoadRelay: slots must be a positive integer (got ${slots})`);
    this.free = Array.from({ length: slots }, (_, i) => i);
  }

  /** Resolves, in the order asked, once a slot is free and no other run is under load. */
  acquire(): Promise<RelayLeg> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.next();
    });
  }

  private next(): void {
    if (this.loading || this.free.length === 0 || this.queue.length === 0) return;
    const slot = this.free.sort((a, b) => a - b).shift()!;
    const start = this.queue.shift()!;
    this.loading = true;
    let loadOver = false;
    let released = false;
    const loadEnded = () => {
      if (loadOver) return;
      loadOver = true;
      this.loading = false;
      this.next();
    };
    start({
      slot,
      loadEnded,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(slot);
        if (loadOver) this.next();
        else loadEnded();
      },
    });
  }
}
