/**
 * Bulk export jobs (Bulk Data Access IG 2.0, export.html): their state lives in a store collection, so a
 * job survives a restart and is visible to every server process on MongoDB. A runner claims a job with a
 * lease (compare-and-set on its state), renews the lease while it works, and records the manifest.
 */
import type { DocumentCollection } from '../../storage/document-collection.js';
import type { Storage } from '../../storage/repository.js';
import { claimLease, runnable, type JobState, type LeasedJob } from '../jobs/lease.js';

export const BULK_JOBS = 'bulk_jobs';

export type ExportLevel = 'system' | 'patient' | 'group';
export type { JobState };

/** One output file of a job (a manifest `output` or `deleted` item). */
export interface JobFile {
  type: string;
  /** File name inside the job's directory. */
  file: string;
  count: number;
}

/** A bulk export job as stored. */
export interface BulkJob extends LeasedJob {
  level: ExportLevel;
  /** Group id for a Group export. */
  groupId?: string;
  /** `patient` parameter: the patients (ids) the export is restricted to. */
  patients?: string[];
  /** `_type`: the resource types to export (all when absent). */
  types?: string[];
  /** `_since` as an ISO instant. */
  since?: string;
  /** The kick-off request URL (manifest `request`). */
  request: string;
  /**
   * The client that kicked the export off (its token's `client_id`): only it may poll, cancel and download
   * (status.ts). Absent when SMART is not enforced, and on jobs recorded before jobs were tied to clients.
   */
  clientId?: string;
  /** The kick-off token's `sub` (a practice user, or the client itself for Backend Services), for the record. */
  subject?: string;
  createdAt: string;
  /** When the export started reading: the manifest's transactionTime. */
  transactionTime?: string;
  leaseOwner?: string;
  leaseUntil?: string;
  progress?: { done: number; total: number };
  output?: JobFile[];
  deleted?: JobFile[];
  /** Why the job failed. */
  failure?: string;
  completedAt?: string;
  /** When a complete, failed or cancelled job and its files are removed. */
  expiresAt?: string;
}

/** The jobs collection of a store. */
export function jobsOf(store: Storage): DocumentCollection<BulkJob> {
  return store.aux<BulkJob>(BULK_JOBS);
}

/** Claims a pending job (or a running one whose lease ran out) for `owner`; false when another took it. */
export async function claimJob(
  jobs: DocumentCollection<BulkJob>,
  job: BulkJob,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  return claimLease(jobs, job, owner, now, leaseMs, {
    transactionTime: now.toISOString(),
    progress: { done: 0, total: 0 },
  });
}

/** Renews the lease and records progress; false when the job was cancelled or taken over meanwhile. */
export async function heartbeat(
  jobs: DocumentCollection<BulkJob>,
  id: string,
  owner: string,
  progress: { done: number; total: number },
  leaseUntil: Date,
): Promise<boolean> {
  const r = await jobs.updateOne(
    { _id: id, state: 'running', leaseOwner: owner },
    { $set: { progress, leaseUntil: leaseUntil.toISOString() } },
  );
  return r.matchedCount === 1;
}

/** Jobs a runner may start: pending ones, and running ones whose lease expired (or all, `staleRunning`). */
export async function runnableJobs(
  jobs: DocumentCollection<BulkJob>,
  now: Date,
  staleRunning: boolean,
): Promise<BulkJob[]> {
  return runnable(jobs, now, staleRunning);
}
