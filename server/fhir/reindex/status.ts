/**
 * Status and cancellation of a reindex job at [base]/reindex-status/[job], in the shape of Bulk Data's
 * (export.html#bulk-data-status-request): pending or running 202 with `X-Progress` (each type's share) and
 * `Retry-After`, complete 200, both with a Parameters body giving each type's state, counts and the codes
 * it made active; failed 500 with an OperationOutcome; DELETE cancels (202), after which the job is gone
 * (404). Resources already indexed stay so; parameters the job had not completed stay pending.
 *
 * A job belongs to the client that kicked it off: another client, or a request without a token context,
 * gets the 404 of an unknown job; its own client needs a token that still manages search parameters (403).
 */
import type { Parameters, ParametersParameter } from 'fhir/r4.js';
import type { AccessContext } from '../access/context.js';
import { forbidden } from '../access/errors.js';
import { managesSearchParameters } from '../access/operation-checks.js';
import { FhirError, issue, notFound } from '../outcomes.js';
import { httpDate } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { progressText, reindexJobsOf, type ReindexJob } from './jobs.js';

/** A status reply. */
export interface ReindexStatus {
  status: 200 | 202;
  headers: Record<string, string>;
  body: Parameters;
}

/** The job if `requester` may see it (see the module comment). */
async function liveJob(services: FhirServices, id: string, requester: AccessContext | undefined) {
  const job = await reindexJobsOf(services.store).findOne({ _id: id });
  const now = services.clock().toISOString();
  const foreign = job?.clientId !== undefined && job.clientId !== requester?.clientId;
  if (!job || foreign || job.state === 'cancelled' || (job.expiresAt !== undefined && job.expiresAt < now)) {
    throw notFound(`No reindex job ${id.slice(0, 64)} (unknown, cancelled or expired)`);
  }
  if (requester && !managesSearchParameters(requester)) {
    throw forbidden(
      'This reindex job needs a system scope that writes SearchParameter',
      'system/SearchParameter.cu',
    );
  }
  return job;
}

/** The Parameters body: the job, its state, and one `type` part per type. */
function reportOf(job: ReindexJob): Parameters {
  const types: ParametersParameter[] = job.types.map((type) => {
    const p = job.progress[type];
    return {
      name: 'type',
      part: [
        { name: 'type', valueCode: type },
        { name: 'state', valueCode: p?.state ?? 'queued' },
        { name: 'indexed', valueInteger: p?.done ?? 0 },
        { name: 'total', valueInteger: p?.total ?? 0 },
        ...(p?.activated ?? []).map((code) => ({ name: 'activated', valueCode: code })),
      ],
    };
  });
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'job', valueString: job._id },
      { name: 'state', valueCode: job.state },
      { name: 'request', valueUri: job.request },
      ...(job.completedAt ? [{ name: 'completed', valueInstant: job.completedAt }] : []),
      ...types,
    ],
  };
}

/** GET [status URL] by `requester` (the verified token's context; undefined when SMART is not enforced). */
export async function reindexStatus(
  services: FhirServices,
  id: string,
  requester: AccessContext | undefined,
): Promise<ReindexStatus> {
  const job = await liveJob(services, id, requester);
  if (job.state === 'failed') {
    throw new FhirError(500, [issue('exception', `The reindex failed: ${job.failure ?? 'unknown error'}`)]);
  }
  if (job.state !== 'complete') {
    return {
      status: 202,
      headers: { 'x-progress': progressText(job), 'retry-after': '1' },
      body: reportOf(job),
    };
  }
  const headers: Record<string, string> = job.expiresAt ? { expires: httpDate(job.expiresAt) } : {};
  return { status: 200, headers, body: reportOf(job) };
}

/** DELETE [status URL] by `requester`: cancels the job (its runner stops at its next chunk). */
export async function cancelReindex(
  services: FhirServices,
  id: string,
  requester: AccessContext | undefined,
): Promise<void> {
  const job = await liveJob(services, id, requester);
  const r = await reindexJobsOf(services.store).updateOne(
    { _id: id, state: job.state },
    { $set: { state: 'cancelled', expiresAt: services.clock().toISOString() } },
  );
  if (r.matchedCount !== 1) throw notFound(`Reindex job ${id.slice(0, 64)} changed; try again`);
  services.runtimeParams?.noteJob(job.types, undefined);
}
