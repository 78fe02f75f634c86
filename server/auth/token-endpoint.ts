/**
 * The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6; SMART App Launch 2.2 app-launch.html "Obtain access
 * token" and "Refresh access token"; backend-services.html): authorization_code with PKCE (RFC 7636 §4.6),
 * refresh_token (bound to the client, rotated, scope can only narrow) and client_credentials for Backend
 * Services, and the RFC 8693 token exchange of a trusted EHR's id_token (token-exchange.ts). Responses are
 * `no-store` and carry the launch context.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { FhirServices } from '../fhir/services.js';
import { splitScopes } from '../fhir/access/scopes.js';
import { TOKEN_EXCHANGE } from './clients.js';
import { authenticateClient, formOf, type AuthenticatedClient, type Form } from './client-auth.js';
import { invalidGrant, invalidRequest, NO_STORE, OAuthError } from './errors.js';
import { issueRefreshToken, peekRefreshToken, redeemCode, useRefreshToken } from './grants.js';
import { grantScopes, withinScopes } from './scope-policy.js';
import type { SmartAccess } from './smart-access.js';
import { tokenExchange } from './token-exchange.js';
import { mintAccessToken, mintIdToken, type Grant } from './tokens.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The token response body for a user grant (SMART App Launch 2.2 app-launch.html table of fields). */
async function userTokenResponse(
  smart: SmartAccess,
  grant: Grant,
  scope: string,
  refreshToken: string | undefined,
): Promise<Record<string, unknown>> {
  const seconds = smart.settings.accessTokenSeconds;
  const { token } = await mintAccessToken(smart, grant, scope, seconds);
  const scopes = splitScopes(scope);
  const body: Record<string, unknown> = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: seconds,
    scope,
  };
  if (scopes.includes('openid')) body.id_token = await mintIdToken(smart, grant, grant.clientId);
  if (refreshToken) body.refresh_token = refreshToken;
  if (grant.patient) body.patient = grant.patient;
  if (grant.encounter) body.encounter = grant.encounter;
  if (grant.fhirUser && scopes.includes('fhirUser')) body.fhirUser = `${smart.issuer}/${grant.fhirUser}`;
  if (grant.needPatientBanner !== undefined) body.need_patient_banner = grant.needPatientBanner;
  if (grant.smartStyleUrl) body.smart_style_url = grant.smartStyleUrl;
  return body;
}

/** grant_type=authorization_code */
async function authorizationCode(smart: SmartAccess, who: AuthenticatedClient, form: Form) {
  if (!form.code) throw invalidRequest('code is required');
  const record = await redeemCode(smart, form.code);
  if (!record) throw invalidGrant('The code is invalid, expired or already used');
  if (record.grant.clientId !== who.client.id) throw invalidGrant('The code was issued to another client');
  if (form.redirect_uri !== record.redirectUri)
    throw invalidGrant('redirect_uri does not match the authorization request');
  const verifier = form.code_verifier;
  if (verifier === undefined) throw invalidGrant('code_verifier is required (PKCE)');
  if (!VERIFIER.test(verifier))
    throw invalidGrant('code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)');
  const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (challenge !== record.codeChallenge)
    throw invalidGrant('code_verifier does not match the code_challenge');
  const refresh = record.refresh && who.client.grantTypes.has('refresh_token') ? record.refresh : undefined;
  const rt = refresh ? await issueRefreshToken(smart, { grant: record.grant, refresh }) : undefined;
  return userTokenResponse(smart, record.grant, record.grant.scope, rt);
}

/** grant_type=refresh_token */
async function refreshToken(smart: SmartAccess, who: AuthenticatedClient, form: Form) {
  if (!form.refresh_token) throw invalidRequest('refresh_token is required');
  if (!who.client.grantTypes.has('refresh_token'))
    throw new OAuthError('unauthorized_client', 'The client may not refresh');
  const peeked = await peekRefreshToken(smart, form.refresh_token);
  // Another client's token is refused without spending it (RFC 6749 §6: bound to the client).
  if (peeked && peeked.grant.clientId !== who.client.id)
    throw invalidGrant('The refresh token was issued to another client');
  if (form.scope !== undefined && peeked && !withinScopes(peeked.grant.scope, form.scope)) {
    throw new OAuthError('invalid_scope', 'A refresh may only narrow the scope');
  }
  const record = await useRefreshToken(smart, form.refresh_token);
  if (!record || record.grant.clientId !== who.client.id)
    throw invalidGrant('The refresh token is invalid, expired, revoked or already used');
  const scope = form.scope !== undefined ? splitScopes(form.scope).join(' ') : record.grant.scope;
  const rotated = await issueRefreshToken(smart, record);
  return userTokenResponse(smart, record.grant, scope, rotated);
}

/** grant_type=client_credentials (SMART Backend Services; tokens live at most 300 s). */
async function clientCredentials(
  smart: SmartAccess,
  services: FhirServices,
  who: AuthenticatedClient,
  form: Form,
) {
  if (who.method === 'none')
    throw new OAuthError('unauthorized_client', 'Backend Services clients must authenticate');
  if (!who.client.grantTypes.has('client_credentials'))
    throw new OAuthError('unauthorized_client', 'The client may not use client_credentials');
  if (!form.scope) throw new OAuthError('invalid_scope', 'scope is required');
  const granted = grantScopes(services, who.client, splitScopes(form.scope), 'backend');
  if (granted.length === 0)
    throw new OAuthError('invalid_scope', 'None of the requested system scopes can be granted');
  const seconds = Math.min(smart.settings.backendTokenSeconds, 300);
  const scope = granted.join(' ');
  const grant: Grant = { gid: randomUUID(), clientId: who.client.id, sub: who.client.id, scope };
  const { token } = await mintAccessToken(smart, grant, scope, seconds);
  return { access_token: token, token_type: 'Bearer', expires_in: seconds, scope };
}

/** POST /auth/token */
export async function tokenEndpoint(
  smart: SmartAccess,
  services: FhirServices,
  req: Request,
  res: Response,
): Promise<void> {
  const form = formOf(req);
  const grantType = form.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  if (!['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE].includes(grantType)) {
    throw new OAuthError(
      'unsupported_grant_type',
      `grant_type must be authorization_code, refresh_token, client_credentials or ${TOKEN_EXCHANGE}`,
    );
  }
  const who = await authenticateClient(smart, req, form, `${smart.authBase}/token`);
  let body: Record<string, unknown>;
  if (grantType === 'authorization_code') body = await authorizationCode(smart, who, form);
  else if (grantType === 'refresh_token') body = await refreshToken(smart, who, form);
  else if (grantType === TOKEN_EXCHANGE) body = await tokenExchange(smart, services, who, form);
  else body = await clientCredentials(smart, services, who, form);
  res.status(200).set(NO_STORE).json(body);
}
