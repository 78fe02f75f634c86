/**
 * The one outcomes module: OperationOutcome factories, the FhirError every FHIR layer throws, and the
 * status table (R4 http.html and operationoutcome.html: every non-2xx FHIR reply is an OperationOutcome).
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

export type IssueCode = OperationOutcomeIssue['code'];
export type IssueSeverity = OperationOutcomeIssue['severity'];

/** Builds one issue; `expression` is the FHIRPath of the offending element when there is one. */
export function issue(
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[],
  severity: IssueSeverity = 'error',
): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) out.expression = Array.isArray(expression) ? expression : [expression];
  return out;
}

/** Wraps issues in an OperationOutcome resource. */
export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** An informational OperationOutcome (used for `Prefer: return=OperationOutcome` on success). */
export function informational(diagnostics: string): OperationOutcome {
  return operationOutcome([issue('informational', diagnostics, undefined, 'information')]);
}

/** An error carrying the HTTP status and the OperationOutcome issues to return. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: OperationOutcomeIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.diagnostics ?? i.code).join('; '));
    this.name = 'FhirError';
  }

  /** The OperationOutcome body of this error. */
  get outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

/** The status table: which HTTP status each failure kind gets. */
export const STATUS = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  methodNotAllowed: 405,
  notAcceptable: 406,
  conflict: 409,
  gone: 410,
  preconditionFailed: 412,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  unprocessable: 422,
  serverError: 500,
  unavailable: 503,
} as const;

/** 400: the request itself is malformed (bad JSON, bad parameter, id mismatch). */
export function badRequest(
  diagnostics: string,
  expression?: string | string[],
  code: IssueCode = 'invalid',
): FhirError {
  return new FhirError(STATUS.badRequest, [issue(code, diagnostics, expression)]);
}

/** 400 with several issues (structural validation failures). */
export function invalidResource(issues: OperationOutcomeIssue[]): FhirError {
  return new FhirError(STATUS.badRequest, issues);
}

/** 422: the content is well formed but breaks a business rule or a profile. */
export function unprocessable(issues: OperationOutcomeIssue[]): FhirError {
  return new FhirError(STATUS.unprocessable, issues);
}

/** 404: unknown resource type or id. */
export function notFound(diagnostics: string): FhirError {
  return new FhirError(STATUS.notFound, [issue('not-found', diagnostics)]);
}

/** 410: the resource existed and was deleted. */
export function gone(diagnostics: string, headers: Record<string, string> = {}): FhirError {
  return new FhirError(STATUS.gone, [issue('deleted', diagnostics)], headers);
}

/** 405: the interaction is not allowed on this URL. */
export function methodNotAllowed(diagnostics: string): FhirError {
  return new FhirError(STATUS.methodNotAllowed, [issue('not-supported', diagnostics)]);
}

/** 406: the client asked for a format the server does not produce. */
export function notAcceptable(diagnostics: string): FhirError {
  return new FhirError(STATUS.notAcceptable, [issue('not-supported', diagnostics)]);
}

/** 409: a version conflict without If-Match. */
export function conflict(diagnostics: string): FhirError {
  return new FhirError(STATUS.conflict, [issue('conflict', diagnostics)]);
}

/** 412: If-Match did not match, or a conditional interaction matched several resources. */
export function preconditionFailed(diagnostics: string, code: IssueCode = 'conflict'): FhirError {
  return new FhirError(STATUS.preconditionFailed, [issue(code, diagnostics)]);
}

/** 413: the body exceeds the configured limit. */
export function payloadTooLarge(diagnostics: string): FhirError {
  return new FhirError(STATUS.payloadTooLarge, [issue('too-long', diagnostics)]);
}

/** 415: the body is in a format the server does not accept. */
export function unsupportedMediaType(diagnostics: string): FhirError {
  return new FhirError(STATUS.unsupportedMediaType, [issue('not-supported', diagnostics)]);
}

/** 500: an unexpected failure; the diagnostics carry only the request id, never internals. */
export function serverError(requestId: string): FhirError {
  return new FhirError(STATUS.serverError, [
    issue('exception', `Internal server error (request id ${requestId})`),
  ]);
}

/**
 * 503: the server is shutting down or the store is unavailable; with `retryAfterSeconds`, a `Retry-After`
 * header (RFC 9110 §10.2.3) tells the client when to try again.
 */
export function unavailable(diagnostics: string, retryAfterSeconds?: number): FhirError {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  return new FhirError(STATUS.unavailable, [issue('transient', diagnostics)], headers);
}
