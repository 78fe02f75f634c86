/** URLs of the bulk export endpoints below the FHIR base (Bulk Data Access IG 2.0, export.html). */

/** The path segment of status requests: [base]/bulk-status/[job]. */
export const STATUS_SEGMENT = 'bulk-status';
/** The path segment of output files: [base]/bulk-files/[job]/[file]. */
export const FILES_SEGMENT = 'bulk-files';

/** The status URL of a job (Content-Location of the kick-off response). */
export function statusUrl(baseUrl: string, job: string): string {
  return `${baseUrl}/${STATUS_SEGMENT}/${encodeURIComponent(job)}`;
}

/** The URL of one output file of a job. */
export function fileUrl(baseUrl: string, job: string, file: string): string {
  return `${baseUrl}/${FILES_SEGMENT}/${encodeURIComponent(job)}/${encodeURIComponent(file)}`;
}
