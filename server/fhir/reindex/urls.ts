/** The URL of a reindex job's status below the FHIR base: [base]/reindex-status/[job]. */

/** The path segment of status requests. */
export const REINDEX_STATUS_SEGMENT = 'reindex-status';

/** The status URL of a job (Content-Location of the kick-off response). */
export function reindexStatusUrl(baseUrl: string, job: string): string {
  return `${baseUrl}/${REINDEX_STATUS_SEGMENT}/${encodeURIComponent(job)}`;
}
