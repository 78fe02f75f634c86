/**
 * Building replies for resource interactions: version headers, absolute Location, and the body that the
 * `Prefer: return=` header asks for (R4 http.html#ops).
 */
import type { Resource } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { informational } from '../outcomes.js';
import { warningsOf } from './body.js';
import { etagOf, httpDate, parsePrefer } from '../preconditions.js';
import type { ResourceDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';

/** The absolute versioned URL of a stored version. */
export function versionUrl(services: FhirServices, type: string, id: string, vid: number): string {
  return `${services.baseUrl}/${type}/${encodeURIComponent(id)}/_history/${vid}`;
}

/** ETag and Last-Modified of a version. */
export function versionHeaders(vid: number, lu: string): Record<string, string> {
  return { etag: etagOf(vid), 'last-modified': httpDate(lu) };
}

/**
 * The reply to a successful create/update/patch, honouring `Prefer: return`; `return=OperationOutcome` also
 * carries the validation's warnings.
 */
export function writeReply(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  doc: ResourceDoc,
  status: number,
  diagnostics: string,
): FhirResponse {
  const headers = {
    ...versionHeaders(doc.vid, doc.lu),
    location: versionUrl(services, type, doc._id, doc.vid),
  };
  const prefer = parsePrefer(req.headers.prefer).return;
  if (prefer === 'minimal') return { status, headers };
  if (prefer === 'OperationOutcome') {
    // the warnings the validation of the request's body found (e.g. a profile this server does not know)
    const outcome = informational(diagnostics);
    outcome.issue.push(...warningsOf(req.body));
    return { status, headers, body: outcome };
  }
  return { status, headers, body: doc.resource as Resource };
}
