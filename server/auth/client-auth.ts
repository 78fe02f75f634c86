/**
 * Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3; SMART App
 * Launch 2.2 client-confidential-symmetric.html and client-confidential-asymmetric.html): HTTP Basic with
 * the form-encoded client_id and secret, `client_secret_post`, a JWT client assertion, or a bare client_id
 * for public clients. A client uses exactly one method per request (RFC 6749 §2.3).
 */
import type { Request } from 'express';
import type { AuthMethod, Client } from './clients.js';
import { verifyClientAssertion, assertionIssuer, JWT_BEARER } from './client-assertion.js';
import { invalidClient, invalidRequest } from './errors.js';
import type { SmartAccess } from './smart-access.js';

/** An authenticated (or identified public) client. */
export interface AuthenticatedClient {
  client: Client;
  method: AuthMethod;
}

/** The form parameters of a request, one value each (RFC 6749 §3.1: no parameter twice). */
export type Form = Record<string, string | undefined>;

/** Reads an `application/x-www-form-urlencoded` body parsed by express.urlencoded; repeated names are 400. */
export function formOf(req: Request): Form {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') throw invalidRequest(`Parameter ${k.slice(0, 40)} must be given once`);
    out[k] = v;
  }
  return out;
}

/** Decodes HTTP Basic credentials (RFC 6749 §2.3.1: both parts form-urlencoded); null when absent. */
function basicCredentials(req: Request): { id: string; secret: string } | null {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('Malformed Basic credentials', true);
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw invalidClient('Malformed Basic credentials', true);
  }
}

/**
 * The client_id a request claims (form `client_id`, Basic user or client assertion `iss`), before any
 * authentication: only for counting rate limits.
 */
export function claimedClientId(req: Request): string | undefined {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string') return body.client_id;
  try {
    const b = basicCredentials(req);
    if (b) return b.id;
  } catch {
    return undefined;
  }
  return typeof body.client_assertion === 'string'
    ? (assertionIssuer(body.client_assertion) ?? undefined)
    : undefined;
}

async function byAssertion(smart: SmartAccess, form: Form, endpoint: string): Promise<AuthenticatedClient> {
  if (form.client_assertion_type !== JWT_BEARER) {
    throw invalidClient(`client_assertion_type must be ${JWT_BEARER}`);
  }
  const assertion = form.client_assertion ?? '';
  const iss = assertionIssuer(assertion);
  if (!iss) throw invalidClient('The client_assertion is not a JWT with an iss');
  if (form.client_id !== undefined && form.client_id !== iss)
    throw invalidClient('client_id differs from the assertion iss');
  const client = smart.clients.get(iss);
  if (!client) throw invalidClient('Unknown client');
  await verifyClientAssertion(smart, client, assertion, [`${smart.authBase}/token`, endpoint]);
  return { client, method: 'private_key_jwt' };
}

/** Authenticates the calling client; `endpoint` is the URL called (an accepted assertion audience). */
export async function authenticateClient(
  smart: SmartAccess,
  req: Request,
  form: Form,
  endpoint: string,
): Promise<AuthenticatedClient> {
  const basic = basicCredentials(req);
  const hasAssertion = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  const methods = [basic !== null, hasAssertion, form.client_secret !== undefined].filter(Boolean).length;
  if (methods > 1) throw invalidRequest('Use exactly one client authentication method');
  if (basic) {
    const client = smart.clients.get(basic.id);
    if (
      !client ||
      !client.authMethods.has('client_secret_basic') ||
      !smart.clients.checkSecret(client, basic.secret)
    ) {
      throw invalidClient('Client authentication failed', true);
    }
    if (form.client_id !== undefined && form.client_id !== client.id)
      throw invalidRequest('client_id differs from the credentials');
    return { client, method: 'client_secret_basic' };
  }
  if (hasAssertion) return byAssertion(smart, form, endpoint);
  const client = smart.clients.get(form.client_id);
  if (!client)
    throw invalidClient(
      form.client_id === undefined ? 'Client authentication is required' : 'Unknown client',
    );
  if (form.client_secret !== undefined) {
    if (
      !client.authMethods.has('client_secret_post') ||
      !smart.clients.checkSecret(client, form.client_secret)
    ) {
      throw invalidClient('Client authentication failed');
    }
    return { client, method: 'client_secret_post' };
  }
  if (!client.authMethods.has('none')) throw invalidClient('This client must authenticate');
  return { client, method: 'none' };
}
