/**
 * The transport-neutral FHIR request and response: `http/` builds a FhirRequest from Express and turns
 * a FhirResponse back into Express calls; everything under `fhir/` speaks only these.
 */
import type { AccessContext } from './access/context.js';

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
  /**
   * The verified access token's context (SMART App Launch 2.2), set by `http/auth.ts`; absent only in the
   * open mode of in-process test apps. The router enforces it on every interaction (fhir/access/).
   */
  auth?: AccessContext;
}

/** A FHIR response before serialisation. */
export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /**
   * A body that is not FHIR JSON (e.g. the CSV form of an operation's result), sent as is with
   * `headers['content-type']`; when set, `body` is ignored.
   */
  text?: string;
  /**
   * The FHIR JSON body already serialised (a large result assembled from cached parts), sent with the
   * negotiated JSON media type; when set, `body` is ignored.
   */
  json?: string;
}

/** The first value of query parameter `name`, if any. */
export function queryValue(req: FhirRequest, name: string): string | undefined {
  return req.query.find(([k]) => k === name)?.[1];
}
