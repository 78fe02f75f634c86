/**
 * The authorization endpoint (SMART App Launch 2.2 app-launch.html "Obtain authorization code"; RFC 6749
 * §4.1.1; `authorize-post`), as an ordered pipeline of small checks:
 * 1. client_id and redirect_uri are checked first: an unknown client or an unregistered redirect_uri gets
 *    an error page and is never redirected to (RFC 6749 §4.1.2.1, §10.15);
 * 2. every later failure is redirected to the client with `error` and the echoed `state`;
 * 3. a valid request is kept as a pending authorization and the browser goes to the login/consent pages.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { FhirServices } from '../fhir/services.js';
import type { Client } from './clients.js';
import { OAuthError, type OAuthErrorCode } from './errors.js';
import { readLaunch, type LaunchContext } from './grants.js';
import { grantScopes } from './scope-policy.js';
import { splitScopes } from '../fhir/access/scopes.js';
import type { SmartAccess } from './smart-access.js';
import type { Views } from './views.js';

/** An authorization request that passed the checks, waiting for the user. */
export interface PendingAuthorization {
  id: string;
  csrf: string;
  clientId: string;
  redirectUri: string;
  state: string;
  /** The scopes the server will grant, before the user decides. */
  scopes: string[];
  codeChallenge: string;
  nonce?: string;
  launch?: LaunchContext;
  refresh?: 'offline' | 'online';
}

/** Seconds a pending authorization waits for the user. */
export const PENDING_SECONDS = 900;

/** The request's parameters from the query (GET) or the form body (POST); repeated ones are recorded. */
function paramsOf(req: Request): { params: Map<string, string>; repeated: string[] } {
  const pairs: Array<[string, string]> =
    req.method === 'POST'
      ? Object.entries((req.body ?? {}) as Record<string, unknown>).flatMap(([k, v]) =>
          Array.isArray(v)
            ? v.map((x) => [k, String(x)] as [string, string])
            : [[k, String(v)] as [string, string]],
        )
      : [...new URLSearchParams(req.originalUrl.split('?')[1] ?? '').entries()];
  const params = new Map<string, string>();
  const repeated: string[] = [];
  for (const [k, v] of pairs) {
    if (params.has(k)) repeated.push(k);
    else params.set(k, v);
  }
  return { params, repeated };
}

/** The URL of `redirectUri` with `query` added (RFC 6749 §4.1.2: keep its own query). */
export function withQuery(redirectUri: string, query: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

function fail(error: OAuthErrorCode, description: string): OAuthError {
  return new OAuthError(error, description);
}

/** Checks after the redirect URI is trusted; returns the pending authorization or throws an OAuthError. */
async function checkRequest(
  smart: SmartAccess,
  services: FhirServices,
  client: Client,
  p: Map<string, string>,
  repeated: string[],
): Promise<Omit<PendingAuthorization, 'id' | 'csrf' | 'redirectUri' | 'state' | 'clientId'>> {
  if (repeated.length > 0) throw fail('invalid_request', `Parameter ${repeated[0]} was given more than once`);
  if (p.get('response_type') !== 'code')
    throw fail('unsupported_response_type', 'response_type must be code');
  if (!client.grantTypes.has('authorization_code'))
    throw fail('unauthorized_client', 'The client may not use this flow');
  const aud = p.get('aud')?.replace(/\/+$/, '');
  if (aud !== smart.issuer)
    throw fail('invalid_request', `aud must be this server's FHIR base URL ${smart.issuer}`);
  const method = p.get('code_challenge_method');
  if (method === undefined || !p.has('code_challenge'))
    throw fail('invalid_request', 'PKCE is required: code_challenge and code_challenge_method=S256');
  if (method !== 'S256') throw fail('invalid_request', 'Only the S256 code_challenge_method is supported');
  const codeChallenge = p.get('code_challenge') ?? '';
  if (!CHALLENGE.test(codeChallenge))
    throw fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
  const requested = splitScopes(p.get('scope'));
  let launch: LaunchContext | undefined;
  if (p.has('launch')) {
    launch = (await readLaunch(smart, p.get('launch') ?? '')) ?? undefined;
    if (!launch || launch.clientId !== client.id)
      throw fail('invalid_request', 'The launch parameter is unknown, expired or for another app');
    if (!requested.includes('launch'))
      throw fail('invalid_scope', 'An EHR launch must request the launch scope');
  } else if (requested.includes('launch')) {
    throw fail('invalid_request', 'The launch scope needs the launch parameter of an EHR launch');
  }
  const scopes = grantScopes(services, client, requested, 'user');
  if (scopes.length === 0)
    throw fail('invalid_scope', 'None of the requested scopes can be granted to this client');
  const refresh = scopes.includes('offline_access')
    ? 'offline'
    : scopes.includes('online_access')
      ? 'online'
      : undefined;
  return { scopes, codeChallenge, nonce: p.get('nonce'), launch, refresh };
}

/** Renders the no-redirect error page. */
function errorPage(views: Views, res: Response, message: string): void {
  views.render(res, 400, 'error', { title: 'This authorization request cannot be completed', message });
}

/** GET and POST /auth/authorize. */
export async function authorizeEndpoint(
  smart: SmartAccess,
  services: FhirServices,
  views: Views,
  req: Request,
  res: Response,
): Promise<void> {
  const { params: p, repeated } = paramsOf(req);
  if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
    return errorPage(views, res, 'client_id and redirect_uri must be given once (RFC 6749 §3.1)');
  }
  const client = smart.clients.get(p.get('client_id'));
  if (!client) return errorPage(views, res, 'Unknown client_id.');
  const redirectUri = p.get('redirect_uri');
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return errorPage(views, res, 'The redirect_uri is not registered for this client.');
  }
  const state = p.get('state');
  try {
    if (!state) throw fail('invalid_request', 'state is required');
    const checked = await checkRequest(smart, services, client, p, repeated);
    const pending: PendingAuthorization = {
      id: randomBytes(18).toString('base64url'),
      csrf: randomBytes(18).toString('base64url'),
      clientId: client.id,
      redirectUri,
      state,
      ...checked,
    };
    await smart.state.set('authz', pending.id, pending, PENDING_SECONDS);
    res.redirect(303, `${smart.authBase}/interaction/${pending.id}`);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    res.redirect(
      302,
      withQuery(redirectUri, { error: err.error, error_description: err.description, state }),
    );
  }
}
