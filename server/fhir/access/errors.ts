/**
 * The resource server's refusals: OperationOutcomes with a `WWW-Authenticate: Bearer` challenge
 * (RFC 6750 §3 and §3.1; R4 security.html#AccessDenied): 401 without a usable token, 403 when the token's
 * scopes do not allow the interaction.
 */
import { FhirError, issue, STATUS } from '../outcomes.js';

export const REALM = 'ccm-fhir';

/** Quotes a value for a WWW-Authenticate parameter (RFC 7235 quoted-string, printable ASCII only). */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'")}"`;
}

/** 401: no token (no error code, RFC 6750 §3.1), or an invalid, expired, revoked or foreign one. */
export function unauthorized(diagnostics: string, error?: 'invalid_token' | 'invalid_request'): FhirError {
  const challenge = error
    ? `Bearer realm=${quoted(REALM)}, error=${quoted(error)}, error_description=${quoted(diagnostics)}`
    : `Bearer realm=${quoted(REALM)}`;
  return new FhirError(STATUS.unauthorized, [issue('login', diagnostics)], {
    'www-authenticate': challenge,
  });
}

/** 403: the token is valid but its scopes do not allow this (RFC 6750 `insufficient_scope`). */
export function forbidden(diagnostics: string, needed?: string): FhirError {
  let challenge = `Bearer realm=${quoted(REALM)}, error="insufficient_scope", error_description=${quoted(diagnostics)}`;
  if (needed) challenge += `, scope=${quoted(needed)}`;
  return new FhirError(STATUS.forbidden, [issue('forbidden', diagnostics)], {
    'www-authenticate': challenge,
  });
}
