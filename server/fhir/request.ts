/**
 * The transport-neutral FHIR request and response: `http/` builds a FhirRequest from Express and turns
 * a FhirResponse back into Express calls; everything under `fhir/` speaks only these.
 */

/** A parsed FHIR REST request. */
export interface FhirRequest {
  method: string;
  /** Path below the FHIR base, split into decoded segments (`Patient/1/_history/2` → 4 segments). */
  segments: string[];
  /** Query parameters in order, decoded; repeated names stay repeated. */
  query: Array<[string, string]>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, when there was one. */
  body?: unknown;
  /** The request's media type (lower-cased, without parameters), when it had a body. */
  contentType?: string;
  requestId: string;
}

/** A FHIR response before serialisation. */
export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The first value of query parameter `name`, if any. */
export function queryValue(req: FhirRequest, name: string): string | undefined {
  return req.query.find(([k]) => k === name)?.[1];
}
