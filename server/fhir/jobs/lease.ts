/**
 * Jobs kept in a store collection (bulk export, reindex), so that they survive a restart and are seen by
 * every server process on MongoDB: a runner claims a job with a lease (compare-and-set on its state),
 * renews the lease while it works, and another runner may take over a job whose lease ran out.
 */
import type { DocumentCollection, StoredDocument } from '../../storage/document-collection.js';

export type JobState = 'pending' | 'running' | 'complete' | 'failed' | 'cancelled';

/** What every leased job has. */
export interface LeasedJob extends StoredDocument {
  state: JobState;
  createdAt: string;
  leaseOwner?: string;
  leaseUntil?: string;
  /** When a finished job is removed. */
  expiresAt?: string;
}

/**
 * Claims a pending job (or a running one whose lease ran out) for `owner`, setting `set` too; false when
 * another runner took it.
 */
export async function claimLease<J extends LeasedJob>(
  jobs: DocumentCollection<J>,
  job: J,
  owner: string,
  now: Date,
  leaseMs: number,
  set: Record<string, unknown> = {},
): Promise<boolean> {
  const filter =
    job.state === 'pending'
      ? { _id: job._id, state: 'pending' as const }
      : { _id: job._id, state: 'running' as const, leaseUntil: job.leaseUntil ?? { $exists: false } };
  const r = await jobs.updateOne(
    filter as Parameters<DocumentCollection<J>['updateOne']>[0],
    {
      $set: {
        state: 'running',
        leaseOwner: owner,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        ...set,
      },
    } as Parameters<DocumentCollection<J>['updateOne']>[1],
  );
  return r.matchedCount === 1;
}

/** Jobs a runner may start: pending ones, and running ones whose lease expired (or all, `staleRunning`). */
export async function runnable<J extends LeasedJob>(
  jobs: DocumentCollection<J>,
  now: Date,
  staleRunning: boolean,
): Promise<J[]> {
  const running = staleRunning
    ? { state: 'running' as const }
    : { state: 'running' as const, leaseUntil: { $lt: now.toISOString() } };
  const filter = { $or: [{ state: 'pending' }, running] } as Parameters<DocumentCollection<J>['find']>[0];
  return jobs.find(filter, { sort: { createdAt: 1 }, limit: 10 }).toArray();
}
