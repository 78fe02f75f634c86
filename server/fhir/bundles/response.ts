/**
 * Entries of transaction-response and batch-response Bundles (R4 bundle.html#transaction-response,
 * http.html#transaction-response): one per request entry, in request order, each with its status line,
 * location, etag and lastModified, the resource as `Prefer: return` asks, and an OperationOutcome on failure.
 */
import type { Bundle, BundleEntry, BundleEntryResponse, Resource } from 'fhir/r4.js';
import type { FhirResponse } from '../request.js';
import { informational, type FhirError } from '../outcomes.js';
import { etagOf, type PreferReturn } from '../preconditions.js';
import type { ResourceDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import { versionUrl } from '../interactions/respond.js';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** `Bundle.entry.response.status`: the HTTP status code and its reason phrase. */
export function statusLine(status: number): string {
  const reason = REASONS[status];
  return reason ? `${status} ${reason}` : String(status);
}

/** The response entry of a create, update or patch (or of a conditional create that matched). */
export function writtenEntry(
  services: FhirServices,
  prefer: PreferReturn,
  type: string,
  doc: ResourceDoc,
  status: number,
  note: string,
): BundleEntry {
  const response: BundleEntryResponse = {
    status: statusLine(status),
    location: versionUrl(services, type, doc._id, doc.vid),
    etag: etagOf(doc.vid),
    lastModified: doc.lu,
  };
  const entry: BundleEntry = {
    fullUrl: `${services.baseUrl}/${type}/${encodeURIComponent(doc._id)}`,
    response,
  };
  if (prefer === 'representation' && doc.resource) entry.resource = doc.resource;
  if (prefer === 'OperationOutcome') response.outcome = informational(note);
  return entry;
}

/** The response entry of a delete (the new version's ETag when something was deleted). */
export function deletedEntry(doc: ResourceDoc | null): BundleEntry {
  const response: BundleEntryResponse = { status: statusLine(204) };
  if (doc) {
    response.etag = etagOf(doc.vid);
    response.lastModified = doc.lu;
  }
  return { response };
}

/** The response entry of a read or search entry, from the interaction's reply. */
export function readEntry(res: FhirResponse, withBody: boolean): BundleEntry {
  const response: BundleEntryResponse = { status: statusLine(res.status) };
  if (res.headers.etag) response.etag = res.headers.etag;
  if (res.headers.location) response.location = res.headers.location;
  const lm = res.headers['last-modified'];
  if (lm && !Number.isNaN(Date.parse(lm))) response.lastModified = new Date(lm).toISOString();
  const entry: BundleEntry = { response };
  if (withBody && res.body !== undefined) entry.resource = res.body as Resource;
  return entry;
}

/** The response entry of a failed batch entry: its status and OperationOutcome (http.html#batch). */
export function failedEntry(err: FhirError): BundleEntry {
  return { response: { status: statusLine(err.status), outcome: err.outcome } };
}

/** A transaction-response or batch-response Bundle. */
export function responseBundle(
  services: FhirServices,
  type: 'transaction-response' | 'batch-response',
  entry: BundleEntry[],
): Bundle {
  const b: Bundle = { resourceType: 'Bundle', type, link: [{ relation: 'self', url: services.baseUrl }] };
  if (entry.length > 0) b.entry = entry;
  return b;
}
