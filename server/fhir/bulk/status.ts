/**
 * Status, cancellation and file requests of a bulk export (Bulk Data Access IG 2.0, export.html):
 * in progress 202 with X-Progress (#response---in-progress-status), failed 4xx/5xx with an
 * OperationOutcome (#response---error-status-1), complete 200 with the JSON manifest and an Expires header
 * (#response---complete-status); DELETE cancels (#bulk-data-delete-request); files are served until expiry.
 *
 * A job kicked off with a token belongs to that token's client (`BulkJob.clientId`). The IG has status,
 * delete and file requests carry the access token when the manifest says `requiresAccessToken`
 * (#response---complete-status, #file-request) and has servers limit data to what the client is authorized
 * for (#security-considerations): another client, or a request without a token context, gets the same 404
 * as an unknown job (the job's existence is not revealed); the same client with a token that no longer reads
 * every resource type gets 403. Jobs without a client (SMART off, or recorded before jobs were tied to
 * clients) are served to any requester, as before.
 */
import { rm } from 'node:fs/promises';
import type { AccessContext } from '../access/context.js';
import { forbidden } from '../access/errors.js';
import { readsEverything } from '../access/operation-checks.js';
import { FhirError, issue, notFound } from '../outcomes.js';
import { httpDate } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { jobsOf, type BulkJob, type JobFile } from './jobs.js';
import type { BulkRunner } from './runner.js';
import { fileUrl } from './urls.js';

/** The complete-status manifest (export.html#response---complete-status). */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count: number }>;
  deleted?: Array<{ type: string; url: string; count: number }>;
  error: Array<{ type: string; url: string }>;
}

/** A status reply: 202 in progress, or 200 with the manifest. */
export type StatusReply =
  | { status: 202; headers: Record<string, string> }
  | { status: 200; headers: Record<string, string>; manifest: ExportManifest };

/**
 * The job if it can be reported on to `requester`: 404 when it is unknown, cancelled or expired, or when it
 * belongs to another client or the requester has no token context (the same outcome, so a foreign job's
 * existence is not revealed: export.html#security-considerations); 403 when it is the requester's client's
 * but the token no longer reads every resource type (the kick-off's scope, operation-checks.ts), since the
 * files hold every type (export.html#security-considerations, #file-request).
 */
async function liveJob(
  services: FhirServices,
  id: string,
  requester: AccessContext | undefined,
): Promise<BulkJob> {
  const job = await jobsOf(services.store).findOne({ _id: id });
  const now = services.clock().toISOString();
  const foreign = job?.clientId !== undefined && job.clientId !== requester?.clientId;
  if (!job || foreign || job.state === 'cancelled' || (job.expiresAt !== undefined && job.expiresAt < now)) {
    throw notFound(`No bulk export job ${id.slice(0, 64)} (unknown, cancelled or expired)`);
  }
  if (job.clientId !== undefined && requester && !readsEverything(requester)) {
    throw forbidden('This export job needs a token that reads every resource type', 'system/*.rs');
  }
  return job;
}

function progressText(job: BulkJob): string {
  const p = job.progress;
  if (job.state === 'pending' || !p) return 'queued';
  if (p.total === 0) return 'selecting resources';
  return `${Math.floor((100 * p.done) / p.total)}% (${p.done} of ${p.total} resources)`;
}

function manifestOf(services: FhirServices, job: BulkJob, tokenRequired: boolean): ExportManifest {
  const items = (files: JobFile[] | undefined) =>
    (files ?? []).map((f) => ({
      type: f.type,
      url: fileUrl(services.baseUrl, job._id, f.file),
      count: f.count,
    }));
  const m: ExportManifest = {
    transactionTime: job.transactionTime as string,
    request: job.request,
    // True when the files sit behind the SMART bearer-token check (the status request carried a token).
    requiresAccessToken: tokenRequired,
    output: items(job.output),
    error: [],
  };
  if (job.since) m.deleted = items(job.deleted);
  return m;
}

/**
 * GET [status URL] (export.html#bulk-data-status-request) by `requester` (the verified token's context;
 * undefined when SMART is not enforced). With a token, file requests need one too: the manifest says
 * `requiresAccessToken: true` (export.html#response---complete-status).
 */
export async function exportStatus(
  services: FhirServices,
  id: string,
  requester: AccessContext | undefined,
): Promise<StatusReply> {
  const job = await liveJob(services, id, requester);
  if (job.state === 'failed') {
    throw new FhirError(500, [issue('exception', `The export failed: ${job.failure ?? 'unknown error'}`)]);
  }
  if (job.state !== 'complete') {
    return { status: 202, headers: { 'x-progress': progressText(job), 'retry-after': '1' } };
  }
  const headers: Record<string, string> = { expires: httpDate(job.expiresAt as string) };
  return { status: 200, headers, manifest: manifestOf(services, job, requester !== undefined) };
}

/**
 * DELETE [status URL] (export.html#bulk-data-delete-request) by `requester`: cancels the job and deletes its
 * files; later status requests answer 404. Another client's request is a 404 and leaves the job alone.
 */
export async function cancelExport(
  services: FhirServices,
  runner: BulkRunner,
  id: string,
  requester: AccessContext | undefined,
): Promise<void> {
  const job = await liveJob(services, id, requester);
  const r = await jobsOf(services.store).updateOne(
    { _id: id, state: job.state },
    { $set: { state: 'cancelled', expiresAt: services.clock().toISOString() } },
  );
  if (r.matchedCount !== 1) throw notFound(`Bulk export job ${id.slice(0, 64)} changed; try again`);
  await rm(runner.jobDir(id), { recursive: true, force: true });
}

/**
 * The path of an output file of a complete job, for `requester` (export.html#file-request); 404 for anything
 * else, another client's job included.
 */
export async function exportFile(
  services: FhirServices,
  runner: BulkRunner,
  id: string,
  name: string,
  requester: AccessContext | undefined,
): Promise<string> {
  const job = await liveJob(services, id, requester);
  const known = [...(job.output ?? []), ...(job.deleted ?? [])].some((f) => f.file === name);
  if (job.state !== 'complete' || !known)
    throw notFound(`Job ${id.slice(0, 64)} has no file ${name.slice(0, 80)}`);
  return `${runner.jobDir(id)}/${name}`;
}
