/**
 * A bound on concurrent password hashes. Async scrypt runs on the libuv threadpool (4 threads by default),
 * which file I/O shares: at most HASH_CONCURRENCY hashes run at once,
 * at most HASH_QUEUE wait, and a sign-in arriving to a longer queue is refused (HashQueueFull, answered 429)
 * so that a flood of sign-ins cannot starve storage I/O or grow a queue without end.
 */

/** Hashes that may run at once (half the default threadpool). */
export const HASH_CONCURRENCY = 2;
/** Sign-ins that may wait for a hash; more are refused. */
export const HASH_QUEUE = 32;

/** The queue of waiting hashes is full: refuse the sign-in for now (429, Retry-After: 1). */
export class HashQueueFull extends Error {
  constructor() {
    super('Too many sign-ins are being checked at once');
    this.name = 'HashQueueFull';
  }
}

/** What the gate is doing, for tests and diagnostics. */
export interface HashGateStats {
  active: number;
  waiting: number;
  /** The most that ever ran at once. */
  peak: number;
  /** Hashes finished. */
  done: number;
}

/** A counting semaphore with a bounded queue. */
export class HashGate {
  private active = 0;
  private peak = 0;
  private done = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency = HASH_CONCURRENCY,
    private readonly queue = HASH_QUEUE,
  ) {}

  /** Runs `work` when a slot is free; rejects with HashQueueFull when too many wait already. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw new HashQueueFull();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    this.peak = Math.max(this.peak, this.active);
    try {
      return await work();
    } finally {
      this.done += 1;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Current counts. */
  stats(): HashGateStats {
    return { active: this.active, waiting: this.waiting.length, peak: this.peak, done: this.done };
  }
}
