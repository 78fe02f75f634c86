/**
 * Reindex jobs as stored (auxiliary collection `reindex_jobs`, both engines): the types to cover in order,
 * and per type its state, the pending parameters it covers, its cursor (the last id indexed) and counts.
 * The cursor is written in the same transaction as each chunk, so a job interrupted by a restart resumes
 * after the last chunk that committed.
 */
import type { DocumentCollection } from '../../storage/document-collection.js';
import type { Storage } from '../../storage/repository.js';
import type { LeasedJob } from '../jobs/lease.js';
import type { Cover } from '../runtime-params/manager.js';

export const REINDEX_JOBS = 'reindex_jobs';

/** How far one type is. */
export interface TypeProgress {
  state: 'queued' | 'running' | 'complete';
  /** The parameters pending on the type when its pass started: activated at its end if still the same. */
  covers?: Cover[];
  /** The cursor: the last id whose index was rewritten. */
  after?: string;
  /** Resources indexed so far. */
  done: number;
  /** Current resources of the type when its pass started (more may be written meanwhile). */
  total: number;
  /** The codes that became active when the pass completed. */
  activated?: string[];
}

/** A reindex job. */
export interface ReindexJob extends LeasedJob {
  level: 'system' | 'type';
  /** The kick-off request URL. */
  request: string;
  /** The types to cover, in order. */
  types: string[];
  progress: Record<string, TypeProgress>;
  /** The client that kicked it off (its token's client_id; absent when SMART is not enforced). */
  clientId?: string;
  subject?: string;
  startedAt?: string;
  completedAt?: string;
  failure?: string;
}

/** The jobs collection of a store. */
export function reindexJobsOf(store: Storage): DocumentCollection<ReindexJob> {
  return store.aux<ReindexJob>(REINDEX_JOBS);
}

/** The `X-Progress` text of a job: each type's share done, or its state. */
export function progressText(job: ReindexJob): string {
  if (job.state === 'pending') return 'queued';
  if (job.types.length === 0) return 'no type to reindex';
  return job.types
    .map((type) => {
      const p = job.progress[type];
      if (!p || p.state === 'queued') return `${type} queued`;
      if (p.state === 'complete') return `${type} complete`;
      const share = p.total === 0 ? 0 : Math.min(99, Math.floor((100 * p.done) / p.total));
      return `${type} ${share}% (${p.done} of ${p.total})`;
    })
    .join('; ');
}
