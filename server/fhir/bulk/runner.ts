/**
 * The in-process export job runner: picks up pending jobs when started (so jobs survive a restart),
 * when woken by a kick-off, and by polling (jobs queued by other processes on MongoDB); claims each with
 * a lease, runs it, records the manifest, and removes expired jobs and their files.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FhirServices } from '../services.js';
import { ExportCancelled, runExport } from './export-run.js';
import { claimJob, heartbeat, jobsOf, runnableJobs, type BulkJob } from './jobs.js';
import { onQueued } from './signal.js';
import { JobLoop } from '../jobs/job-loop.js';

/** Settings of the export runner. */
export interface BulkSettings {
  /** Directory holding one sub-directory of NDJSON files per job (DATA_DIR/bulk). */
  dir: string;
  /** How long a finished job and its files stay available. */
  expiryMs: number;
  /** How often the runner looks for jobs queued by other processes. */
  pollMs: number;
  /** How long a claim lasts without a heartbeat before another runner may take the job over. */
  leaseMs: number;
  /** How often expired jobs are removed. */
  sweepMs: number;
}

class StopRequested extends Error {}

/** Runs bulk export jobs for one app. */
export class BulkRunner {
  readonly owner = randomUUID();
  private firstPoll = true;
  private readonly loop: JobLoop;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly services: FhirServices,
    readonly settings: BulkSettings,
    private readonly logger?: Logger,
  ) {
    this.loop = new JobLoop(
      () => this.drain(),
      settings.pollMs,
      (err: unknown) => this.logger?.error({ err }, 'bulk export runner failed'),
    );
  }

  private get stopped(): boolean {
    return !this.loop.running;
  }

  /** The directory of a job's files. */
  jobDir(id: string): string {
    return path.join(this.settings.dir, id);
  }

  /** Starts running jobs (pending ones first) and sweeping expired ones. */
  start(): void {
    if (!this.stopped) return;
    this.firstPoll = true;
    onQueued(this.services, () => this.wake());
    this.sweepTimer = setInterval(
      () => void this.sweep().catch((err: unknown) => this.logger?.warn({ err }, 'bulk sweep failed')),
      this.settings.sweepMs,
    );
    this.sweepTimer.unref();
    void this.sweep().catch((err: unknown) => this.logger?.warn({ err }, 'bulk sweep failed'));
    this.loop.start();
  }

  /** Stops: a running job goes back to pending (another start resumes it); resolves when it has. */
  async stop(): Promise<void> {
    onQueued(this.services, undefined);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.loop.stop();
  }

  /** Looks for runnable jobs now. */
  wake(): void {
    this.loop.wake();
  }

  private async drain(): Promise<void> {
    const jobs = jobsOf(this.services.store);
    for (;;) {
      // SQLite engine: one process per data directory, so a job still "running" at start was interrupted.
      const stale = this.firstPoll && this.services.store.engine === 'sqlite';
      this.firstPoll = false;
      const candidates = await runnableJobs(jobs, this.services.clock(), stale);
      let ran = false;
      for (const job of candidates) {
        if (this.stopped) return;
        const now = this.services.clock();
        if (!(await claimJob(jobs, job, this.owner, now, this.settings.leaseMs))) continue;
        ran = true;
        await this.run({ ...job, transactionTime: now.toISOString() });
      }
      if (!ran) return;
    }
  }

  private async run(job: BulkJob): Promise<void> {
    const jobs = jobsOf(this.services.store);
    const dir = this.jobDir(job._id);
    const mine = { _id: job._id, state: 'running' as const, leaseOwner: this.owner };
    await rm(dir, { recursive: true, force: true });
    let last = 0;
    const tick = async (done: number, total: number): Promise<boolean> => {
      if (this.stopped) throw new StopRequested();
      const now = this.services.clock();
      if (done !== 0 && done !== total && now.getTime() - last < Math.min(500, this.settings.leaseMs / 3))
        return true;
      last = now.getTime();
      return heartbeat(
        jobs,
        job._id,
        this.owner,
        { done, total },
        new Date(now.getTime() + this.settings.leaseMs),
      );
    };
    try {
      const result = await runExport(this.services, job, dir, { tick });
      const now = this.services.clock();
      const r = await jobs.updateOne(mine, {
        $set: {
          state: 'complete',
          ...result,
          completedAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + this.settings.expiryMs).toISOString(),
        },
      });
      if (r.matchedCount !== 1) await rm(dir, { recursive: true, force: true });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (err instanceof StopRequested) {
        await jobs.updateOne(mine, {
          $set: { state: 'pending' },
          $unset: { leaseOwner: '', leaseUntil: '', progress: '' },
        });
      } else if (!(err instanceof ExportCancelled)) {
        this.logger?.error({ err, job: job._id }, 'bulk export failed');
        const now = this.services.clock();
        const failure = err instanceof Error ? err.message : String(err);
        await jobs.updateOne(mine, {
          $set: {
            state: 'failed',
            failure,
            expiresAt: new Date(now.getTime() + this.settings.expiryMs).toISOString(),
          },
        });
      }
    }
  }

  /** Removes expired jobs with their files, and directories no job owns; returns how many jobs went. */
  async sweep(): Promise<number> {
    const jobs = jobsOf(this.services.store);
    const expired = await jobs.find({ expiresAt: { $lt: this.services.clock().toISOString() } }).toArray();
    for (const job of expired) {
      await rm(this.jobDir(job._id), { recursive: true, force: true });
      await jobs.deleteOne({ _id: job._id, expiresAt: job.expiresAt });
    }
    const dirs = await readdir(this.settings.dir).catch(() => [] as string[]);
    for (const name of dirs) {
      const job = await jobs.findOne({ _id: name });
      if (!job || job.state === 'cancelled') await rm(this.jobDir(name), { recursive: true, force: true });
    }
    return expired.length;
  }
}
