/**
 * A counting semaphore over device slots: who may run a batch on the device now.
 * Waiters are served first come, first served. The number of permits can change at
 * run time (the gpu-starvation fault takes slots away), and every acquire reports how
 * long it waited and whether it had to queue at all.
 */

export interface Permit {
  /** Milliseconds between asking and getting the slot. */
  waitedMs: number;
  /** False when a slot was free on arrival. */
  queued: boolean;
  release(): void;
}

interface Waiter {
  enqueuedAt: number;
  resolve: (p: Permit) => void;
}

export class DeviceSemaphore {
  private permits: number;
  private inUse = 0;
  private readonly waiters: Waiter[] = [];
  private readonly capacity: number;

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new Error(`device slots must be a positive integer, got ${permits}`);
    this.permits = permits;
    this.capacity = permits;
  }

  /** The slots configured at start (the baseline a reset returns to). */
  get configured(): number {
    return this.capacity;
  }

  get available(): number {
    return this.permits;
  }

  get busy(): number {
    return this.inUse;
  }

  get queueLength(): number {
    return this.waiters.length;
  }

  acquire(): Promise<Permit> {
    const enqueuedAt = performance.now();
    if (this.inUse < this.permits && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve(this.permit(enqueuedAt, false));
    }
    return new Promise((resolve) => this.waiters.push({ enqueuedAt, resolve }));
  }

  /** Changes the number of slots; fewer slots take effect as running batches finish. */
  setPermits(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`device slots must be a positive integer, got ${n}`);
    this.permits = n;
    this.dispatch();
  }

  private permit(enqueuedAt: number, queued: boolean): Permit {
    let released = false;
    return {
      waitedMs: performance.now() - enqueuedAt,
      queued,
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        this.dispatch();
      },
    };
  }

  private dispatch(): void {
    while (this.inUse < this.permits && this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      this.inUse++;
      w.resolve(this.permit(w.enqueuedAt, true));
    }
  }
}
