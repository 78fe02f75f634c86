/**
 * Refreshing a launch's access token (SMART App Launch 2.2 app-launch.html "Refresh access token"): a
 * confidential client authenticates as at the code exchange, with Basic credentials (RFC 6749 §2.3.1) or a
 * signed client assertion (SMART client-confidential-asymmetric.html). The new token response replaces the
 * old one; a rotated refresh token replaces the old refresh token.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { fhirclient } from 'fhirclient/lib/types.js';
import { FhirReadError } from './fhir-api.js';

/** A private JWK with its key id and algorithm (RS384 or ES384). */
export type PrivateJwk = JWK & { kid: string; alg: string };

/**
 * A signed client assertion (SMART client-confidential-asymmetric.html; RFC 7523 §3): issuer and subject the
 * client id, audience the token endpoint, a fresh jti, two minutes of life.
 */
export async function signClientAssertion(
  clientId: string,
  jwk: PrivateJwk,
  audience: string,
): Promise<string> {
  const key = await importJWK(jwk, jwk.alg);
  return new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(key);
}

/** The client authentication of a token request, as form fields and headers. */
async function clientAuth(
  state: fhirclient.ClientState,
  form: URLSearchParams,
): Promise<Record<string, string>> {
  const id = state.clientId ?? '';
  if (state.clientSecret) {
    const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(state.clientSecret)}`).toString(
      'base64',
    );
    return { authorization: `Basic ${basic}` };
  }
  const jwk = state.clientPrivateJwk as PrivateJwk | undefined;
  if (jwk) {
    const assertion = await signClientAssertion(id, jwk, state.tokenUri ?? '');
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', assertion);
    return {};
  }
  form.set('client_id', id);
  return {};
}

/** Exchanges the refresh token for a new access token; throws FhirReadError(401) when refused. */
export async function refreshToken(state: fhirclient.ClientState): Promise<fhirclient.ClientState> {
  const refresh = state.tokenResponse?.refresh_token;
  if (!refresh || !state.tokenUri) throw new FhirReadError(401, 'The access token expired.');
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh });
  const headers = await clientAuth(state, form);
  let res: Response;
  try {
    res = await fetch(state.tokenUri, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal: AbortSignal.timeout(15000),
    });
  } catch {
    throw new FhirReadError(0, 'The authorization server could not be reached to renew the access token.');
  }
  if (!res.ok) throw new FhirReadError(401, 'The EHR did not renew the access token.');
  const body = (await res.json()) as fhirclient.TokenResponse;
  const tokenResponse = { ...state.tokenResponse, ...body, refresh_token: body.refresh_token ?? refresh };
  const expiresAt = body.expires_in ? Math.floor(Date.now() / 1000) + Number(body.expires_in) : undefined;
  return { ...state, tokenResponse, expiresAt };
}
