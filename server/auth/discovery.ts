/**
 * Discovery documents: `{fhir base}/.well-known/smart-configuration` (SMART App Launch 2.2
 * conformance.html, always `application/json`), `{fhir base}/.well-known/openid-configuration` (OpenID
 * Connect Discovery 1.0 §4; our issuer is the FHIR base) and the JWKS with the bare public signing key
 * (scopes-and-launch-context.html "Public Keys Published as Bare JWK Keys").
 */
import type { Request, Response } from 'express';
import { ASSERTION_ALGS } from './client-assertion.js';
import { TOKEN_EXCHANGE } from './clients.js';
import type { SmartAccess } from './smart-access.js';

/** The SMART capabilities this server really supports (conformance.html "Capabilities"). */
export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

const SCOPES_SUPPORTED = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.cruds',
  'patient/*.rs',
  'user/*.cruds',
  'user/*.rs',
  'system/*.cruds',
  'system/*.rs',
  'patient/*.read',
  'user/*.read',
  'system/*.read',
];

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

/** The grant types offered: the token exchange only when an EHR issuer is trusted (RFC 8693). */
function grantTypes(smart: SmartAccess): string[] {
  return smart.ehrLink ? [...GRANT_TYPES, TOKEN_EXCHANGE] : GRANT_TYPES;
}

/** The smart-configuration document. */
export function smartConfiguration(smart: SmartAccess): Record<string, unknown> {
  return {
    issuer: smart.issuer,
    jwks_uri: `${smart.authBase}/jwks`,
    authorization_endpoint: `${smart.authBase}/authorize`,
    token_endpoint: `${smart.authBase}/token`,
    introspection_endpoint: `${smart.authBase}/introspect`,
    revocation_endpoint: `${smart.authBase}/revoke`,
    grant_types_supported: grantTypes(smart),
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    scopes_supported: SCOPES_SUPPORTED,
    code_challenge_methods_supported: ['S256'],
    capabilities: [...CAPABILITIES],
  };
}

/** The OpenID Provider metadata. */
export function openidConfiguration(smart: SmartAccess): Record<string, unknown> {
  return {
    issuer: smart.issuer,
    authorization_endpoint: `${smart.authBase}/authorize`,
    token_endpoint: `${smart.authBase}/token`,
    jwks_uri: `${smart.authBase}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [smart.keys.alg],
    scopes_supported: SCOPES_SUPPORTED,
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser'],
    grant_types_supported: grantTypes(smart),
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    code_challenge_methods_supported: ['S256'],
  };
}

/** Sends a discovery document as application/json (whatever the Accept header says). */
export function sendJson(res: Response, body: unknown, maxAge = 300): void {
  res.status(200).set({ 'cache-control': `public, max-age=${maxAge}`, 'access-control-allow-origin': '*' });
  res.type('application/json').send(JSON.stringify(body));
}

/** GET handlers for the three documents. */
export function discoveryHandlers(smart: SmartAccess) {
  return {
    smart: (_req: Request, res: Response) => sendJson(res, smartConfiguration(smart)),
    openid: (_req: Request, res: Response) => sendJson(res, openidConfiguration(smart)),
    jwks: (_req: Request, res: Response) => sendJson(res, { keys: [smart.keys.publicJwk] }),
  };
}
