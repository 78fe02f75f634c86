/**
 * The loop of an in-process job runner (bulk export, reindex): runs `work` when started (so jobs left by the
 * last process are resumed), when woken (a job was queued here), and by polling (jobs queued by other
 * processes on MongoDB); one `work` at a time, another right after when woken meanwhile.
 */

/** Runs `work` on start, on `wake` and every `pollMs` while started. */
export class JobLoop {
  private stopped = true;
  private again = false;
  private active: Promise<void> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** True between `start` and `stop`. */
  get running(): boolean {
    return !this.stopped;
  }

  /** Starts the loop (runs `work` now). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Stops polling; resolves when the `work` in progress has returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    await this.active;
  }

  /** Runs `work` now (or right after the one in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.active) {
      this.again = true;
      return;
    }
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.active = this.work()
      .catch(this.onError)
      .finally(() => {
        this.active = null;
        if (this.again) {
          this.again = false;
          this.wake();
        } else if (!this.stopped) {
          this.pollTimer = setTimeout(() => this.wake(), this.pollMs);
          this.pollTimer.unref();
        }
      });
  }
}
