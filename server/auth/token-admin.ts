/**
 * Token introspection (RFC 7662; SMART App Launch 2.2 token-introspection.html: `active`, `scope`,
 * `client_id`, `exp`, the launch context, `iss` and `sub`) and revocation (RFC 7009). Introspection is
 * open to authenticated clients and to holders of a valid access token (token-introspection.html
 * "Authorization to perform Token Introspection"), but a caller learns only about its own client's tokens:
 * any other token answers `{"active": false}` (RFC 7662 §2.2 lets the server answer so for a token the
 * caller may not see). This server's FHIR layer checks tokens in-process and needs no introspection; no
 * client is registered as a resource server. Revoking a refresh token revokes its grant and so the
 * access tokens issued under it; revoking an access token stops that token.
 */
import type { Request, Response } from 'express';
import { authenticateClient, formOf, type Form } from './client-auth.js';
import { invalidClient, invalidRequest, NO_STORE, OAuthError } from './errors.js';
import { peekRefreshToken, revokeAccessToken, revokeGrant } from './grants.js';
import type { SmartAccess } from './smart-access.js';
import { isRevoked, TokenRejected, verifyAccessJwt, verifyAccessToken, type AccessClaims } from './tokens.js';

/** The access token's claims when it is one of ours and live (signature, aud, exp), revoked or not. */
async function accessClaims(smart: SmartAccess, token: string): Promise<AccessClaims | null> {
  if (token.split('.').length !== 3) return null;
  try {
    return await verifyAccessJwt(smart, token);
  } catch (err) {
    if (err instanceof TokenRejected) return null;
    throw err;
  }
}

/**
 * The client calling introspection: an authenticated client, or the client of a valid bearer access token.
 */
async function authorizeIntrospection(smart: SmartAccess, req: Request, form: Form): Promise<string> {
  const header = req.headers.authorization;
  if (header && /^bearer /i.test(header)) {
    try {
      return (await verifyAccessToken(smart, header.slice(7).trim())).claims.client_id;
    } catch (err) {
      if (err instanceof TokenRejected)
        throw new OAuthError('invalid_client', 'The bearer token is not valid', 401, {
          'www-authenticate': 'Bearer realm="ccm-fhir", error="invalid_token"',
        });
      throw err;
    }
  }
  const hasCredentials =
    header !== undefined || form.client_assertion !== undefined || form.client_secret !== undefined;
  if (!hasCredentials)
    throw invalidClient('Introspection needs client authentication or a bearer token', true);
  const who = await authenticateClient(smart, req, form, `${smart.authBase}/introspect`);
  if (who.method === 'none') throw invalidClient('Public clients cannot introspect', true);
  return who.client.id;
}

/** POST /auth/introspect */
export async function introspectEndpoint(smart: SmartAccess, req: Request, res: Response): Promise<void> {
  const form = formOf(req);
  const caller = await authorizeIntrospection(smart, req, form);
  const token = form.token;
  if (!token) throw invalidRequest('token is required');
  res.status(200).set(NO_STORE);
  const claims = await accessClaims(smart, token);
  if (claims && claims.client_id !== caller) {
    res.json({ active: false });
    return;
  }
  if (claims && !(await isRevoked(smart, claims))) {
    const { jti: _jti, gid: _gid, ...visible } = claims;
    res.json({ active: true, token_type: 'Bearer', ...visible });
    return;
  }
  const refresh = claims ? null : await peekRefreshToken(smart, token);
  if (!refresh || refresh.grant.clientId !== caller) {
    res.json({ active: false });
    return;
  }
  const g = refresh.grant;
  const out: Record<string, unknown> = {
    active: true,
    token_type: 'refresh_token',
    scope: g.scope,
    client_id: g.clientId,
    sub: g.sub,
    iss: smart.issuer,
  };
  if (g.patient) out.patient = g.patient;
  if (g.encounter) out.encounter = g.encounter;
  if (g.fhirUser) out.fhirUser = `${smart.issuer}/${g.fhirUser}`;
  res.json(out);
}

/** POST /auth/revoke (RFC 7009 §2): 200 whether or not the token was valid. */
export async function revokeEndpoint(smart: SmartAccess, req: Request, res: Response): Promise<void> {
  const form = formOf(req);
  const who = await authenticateClient(smart, req, form, `${smart.authBase}/revoke`);
  const token = form.token;
  if (!token) throw invalidRequest('token is required');
  const claims = await accessClaims(smart, token);
  if (claims) {
    if (claims.client_id !== who.client.id)
      throw new OAuthError('unauthorized_client', 'The token was issued to another client');
    await revokeAccessToken(smart, claims.jti, claims.exp);
  } else {
    const refresh = await peekRefreshToken(smart, token);
    if (refresh) {
      if (refresh.grant.clientId !== who.client.id)
        throw new OAuthError('unauthorized_client', 'The token was issued to another client');
      await revokeGrant(smart, refresh.grant.gid);
    }
  }
  res.status(200).set(NO_STORE).end();
}
