/**
 * Status, cancellation and file requests of a bulk export (Bulk Data Access IG 2.0, export.html):
 * in progress 202 with X-Progress (#response---in-progress-status), failed 4xx/5xx with an
 * OperationOutcome (#response---error-status-1), complete 200 with the JSON manifest and an Expires header
 * (#response---complete-status); DELETE cancels (#bulk-data-delete-request); files are served until expiry.
 */
import { rm } from 'node:fs/promises';
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

/** The job if it can be reported on: not cancelled and not expired; 404 otherwise. */
async function liveJob(services: FhirServices, id: string): Promise<BulkJob> {
  const job = await jobsOf(services.store).findOne({ _id: id });
  const now = services.clock().toISOString();
  if (!job || job.state === 'cancelled' || (job.expiresAt !== undefined && job.expiresAt < now)) {
    throw notFound(`No bulk export job ${id.slice(0, 64)} (unknown, cancelled or expired)`);
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

/** GET [status URL]; `tokenRequired` says whether file requests need the access token (manifest requiresAccessToken). */
export async function exportStatus(
  services: FhirServices,
  id: string,
  tokenRequired: boolean,
): Promise<StatusReply> {
  const job = await liveJob(services, id);
  if (job.state === 'failed') {
    throw new FhirError(500, [issue('exception', `The export failed: ${job.failure ?? 'unknown error'}`)]);
  }
  if (job.state !== 'complete') {
    return { status: 202, headers: { 'x-progress': progressText(job), 'retry-after': '1' } };
  }
  const headers: Record<string, string> = { expires: httpDate(job.expiresAt as string) };
  return { status: 200, headers, manifest: manifestOf(services, job, tokenRequired) };
}

/** DELETE [status URL]: cancels the job and deletes its files; later status requests answer 404. */
export async function cancelExport(services: FhirServices, runner: BulkRunner, id: string): Promise<void> {
  const job = await liveJob(services, id);
  const r = await jobsOf(services.store).updateOne(
    { _id: id, state: job.state },
    { $set: { state: 'cancelled', expiresAt: services.clock().toISOString() } },
  );
  if (r.matchedCount !== 1) throw notFound(`Bulk export job ${id.slice(0, 64)} changed; try again`);
  await rm(runner.jobDir(id), { recursive: true, force: true });
}

/** The path of an output file of a complete job; 404 for anything else. */
export async function exportFile(
  services: FhirServices,
  runner: BulkRunner,
  id: string,
  name: string,
): Promise<string> {
  const job = await liveJob(services, id);
  const known = [...(job.output ?? []), ...(job.deleted ?? [])].some((f) => f.file === name);
  if (job.state !== 'complete' || !known)
    throw notFound(`Job ${id.slice(0, 64)} has no file ${name.slice(0, 80)}`);
  return `${runner.jobDir(id)}/${name}`;
}
