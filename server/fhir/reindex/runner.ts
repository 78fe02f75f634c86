/**
 * The in-process reindex job runner, on the same loop and leases as bulk export (jobs/): picks up pending
 * jobs when started (so jobs survive a restart: an interrupted one resumes after its last committed
 * chunk), when woken by a kick-off, and by polling (jobs queued by other processes on MongoDB, whose
 * SearchParameter changes it also picks up: RuntimeParams.poll).
 *
 * A job covers its types one after another. A type's pass first notes the parameters pending on it, then
 * rewrites the index of its current resources chunk by chunk (ResourceRepository.reindex, each chunk and
 * the job's cursor in one transaction, each chunk a few milliseconds of work so that requests are served
 * between them), then, in one transaction, records the covered parameters that are still the same as
 * indexed (they become active) and marks the type complete.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StorageSession } from '../../storage/document-collection.js';
import { ALL, VersionConflict, type ReindexChunk, type Where } from '../../storage/repository.js';
import { onQueued } from '../bulk/signal.js';
import { JobLoop } from '../jobs/job-loop.js';
import { claimLease, runnable } from '../jobs/lease.js';
import type { FhirServices } from '../services.js';
import { reindexJobsOf, type ReindexJob, type TypeProgress } from './jobs.js';
import { reindexStatusUrl } from './urls.js';

/** Settings of the reindex runner. */
export interface ReindexSettings {
  /** How often the runner looks for jobs (and SearchParameter changes) of other processes. */
  pollMs: number;
  /** How long a claim lasts without a chunk before another runner may take the job over. */
  leaseMs: number;
  /** How long a finished job's status stays available. */
  expiryMs: number;
  /** Work per chunk, in milliseconds of index extraction (the event loop is held about this long). */
  budgetMs: number;
}

export const DEFAULT_REINDEX_SETTINGS: ReindexSettings = {
  pollMs: 1000,
  leaseMs: 30_000,
  expiryMs: 24 * 3600_000,
  budgetMs: 8,
};

/** Attempts of a chunk refused for a concurrent write. */
const CHUNK_ATTEMPTS = 5;

/** Ids per page when counting a type. */
const COUNT_PAGE = 2000;

/** Most and fewest resources a chunk reads. */
const MAX_LIMIT = 2000;
const MIN_LIMIT = 16;

class StopRequested extends Error {}
/** The job was cancelled, or another runner took it over. */
class JobLost extends Error {}

type Mine = { _id: string; state: 'running'; leaseOwner: string };

/** Runs reindex jobs for one app. */
export class ReindexRunner {
  readonly owner = randomUUID();
  /** Chunks committed so far (tests observe resumption with it). */
  chunks = 0;
  private firstPoll = true;
  private limit = 200;
  private readonly loop: JobLoop;

  constructor(
    private readonly services: FhirServices,
    readonly settings: ReindexSettings = DEFAULT_REINDEX_SETTINGS,
    private readonly logger?: Logger,
  ) {
    this.loop = new JobLoop(
      () => this.drain(),
      settings.pollMs,
      (err: unknown) => this.logger?.error({ err }, 'reindex runner failed'),
    );
  }

  /** Starts running jobs (pending and interrupted ones first). */
  start(): void {
    if (this.loop.running) return;
    this.firstPoll = true;
    onQueued(this.services, () => this.loop.wake(), 'reindex');
    this.loop.start();
  }

  /** Stops: a running job goes back to pending and resumes at its cursor on the next start. */
  async stop(): Promise<void> {
    onQueued(this.services, undefined, 'reindex');
    await this.loop.stop();
  }

  private async drain(): Promise<void> {
    await this.services.runtimeParams?.poll();
    const jobs = reindexJobsOf(this.services.store);
    await jobs.deleteMany({ expiresAt: { $lt: this.services.clock().toISOString() } });
    for (;;) {
      // SQLite engine: one process per data directory, so a job still "running" at start was interrupted.
      const stale = this.firstPoll && this.services.store.engine === 'sqlite';
      this.firstPoll = false;
      let ran = false;
      for (const job of await runnable(jobs, this.services.clock(), stale)) {
        if (!this.loop.running) return;
        const now = this.services.clock();
        const started = job.startedAt ? {} : { startedAt: now.toISOString() };
        if (!(await claimLease(jobs, job, this.owner, now, this.settings.leaseMs, started))) continue;
        ran = true;
        await this.run((await jobs.findOne({ _id: job._id })) ?? job);
      }
      if (!ran) return;
    }
  }

  private async run(job: ReindexJob): Promise<void> {
    const jobs = reindexJobsOf(this.services.store);
    const mine: Mine = { _id: job._id, state: 'running', leaseOwner: this.owner };
    const params = this.services.runtimeParams;
    params?.noteJob(job.types, reindexStatusUrl(this.services.baseUrl, job._id));
    const expires = () => new Date(this.services.clock().getTime() + this.settings.expiryMs).toISOString();
    try {
      for (const type of job.types) await this.runType(job, type, mine);
      await jobs.updateOne(mine, {
        $set: { state: 'complete', completedAt: this.services.clock().toISOString(), expiresAt: expires() },
      });
    } catch (err) {
      if (err instanceof StopRequested) {
        await jobs.updateOne(mine, {
          $set: { state: 'pending' },
          $unset: { leaseOwner: '', leaseUntil: '' },
        });
      } else if (!(err instanceof JobLost)) {
        this.logger?.error({ err, job: job._id }, 'reindex failed');
        const failure = err instanceof Error ? err.message : String(err);
        await jobs.updateOne(mine, { $set: { state: 'failed', failure, expiresAt: expires() } });
      }
    } finally {
      params?.noteJob(job.types, undefined);
    }
  }

  /** One type's pass (see the module comment); resumes at the recorded cursor. */
  private async runType(job: ReindexJob, type: string, mine: Mine): Promise<void> {
    const { store } = this.services;
    let p: TypeProgress = job.progress[type] ?? { state: 'queued', done: 0, total: 0 };
    if (p.state === 'complete') return;
    if (p.state === 'queued' || !p.covers) {
      const covers = this.services.runtimeParams?.pendingFor(type) ?? [];
      p = { state: 'running', covers, done: 0, total: await this.countLive(type) };
      await this.save(mine, { [`progress.${type}`]: p });
    }
    let { after, done } = p;
    for (;;) {
      if (!this.loop.running) throw new StopRequested();
      const chunk = await this.chunk(mine, type, after, done);
      this.chunks++;
      this.tune(chunk);
      after = chunk.last;
      done += chunk.count;
      if (chunk.done) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const covers = p.covers ?? [];
    const activated = await store.transaction(async (tx) => {
      const codes = (await this.services.runtimeParams?.activate(tx, type, covers)) ?? [];
      const set = { [`progress.${type}.state`]: 'complete', [`progress.${type}.activated`]: codes };
      await this.save(mine, set, tx);
      return codes;
    });
    if (activated.length > 0) await this.services.runtimeParams?.refresh();
    this.services.runtimeParams?.noteJob([type], undefined);
  }

  /**
   * One chunk and the job's cursor, in one transaction; run again when a concurrent write of a resource of
   * the chunk made the engine refuse it (VersionConflict: the next attempt reads that write).
   */
  private async chunk(
    mine: Mine,
    type: string,
    after: string | undefined,
    done: number,
  ): Promise<ReindexChunk> {
    const { store, resources } = this.services;
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.transaction(async (tx) => {
          const r = await resources.reindex(type, {
            after,
            limit: this.limit,
            budgetMs: this.settings.budgetMs,
            tx,
          });
          const set: Record<string, unknown> = { [`progress.${type}.done`]: done + r.count, ...this.lease() };
          if (r.last !== undefined) set[`progress.${type}.after`] = r.last;
          await this.save(mine, set, tx);
          return r;
        });
      } catch (err) {
        if (!(err instanceof VersionConflict) || attempt >= CHUNK_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * The current resources of `type`, counted a page of ids at a time in id order (a plain `count` of a whole
   * large type can hold the event loop for tens of milliseconds on SQLite; pages are read in slices).
   */
  private async countLive(type: string): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const where: Where = after === undefined ? ALL : { kind: 'id-range', op: 'gt', id: after };
      const page = await this.services.resources.find(type, where, {
        fields: 'id',
        order: 'id',
        limit: COUNT_PAGE,
      });
      total += page.length;
      if (page.length < COUNT_PAGE) return total;
      after = page[page.length - 1]._id;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The lease renewed from now. */
  private lease(): { leaseUntil: string } {
    return { leaseUntil: new Date(this.services.clock().getTime() + this.settings.leaseMs).toISOString() };
  }

  /** Updates the job while it is still this runner's; JobLost otherwise (cancelled, taken over). */
  private async save(mine: Mine, set: Record<string, unknown>, session?: StorageSession): Promise<void> {
    const r = await reindexJobsOf(this.services.store).updateOne(
      mine,
      { $set: set },
      session ? { session } : {},
    );
    if (r.matchedCount !== 1) throw new JobLost();
  }

  /**
   * Sizes the next chunk: about what the time budget allowed when it ended the chunk early (so that a chunk
   * reads little more than it rewrites), twice as many when the whole chunk fit in the budget.
   */
  private tune(chunk: ReindexChunk): void {
    if (chunk.done) return;
    if (chunk.count < this.limit) this.limit = Math.max(MIN_LIMIT, Math.ceil(chunk.count * 1.1));
    else this.limit = Math.min(MAX_LIMIT, this.limit * 2);
  }
}
