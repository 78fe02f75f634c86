/**
 * Asymmetric client authentication (SMART App Launch 2.2 client-confidential-asymmetric.html, RFC 7523
 * §3): a JWT signed RS384 or ES384 with `iss` = `sub` = client_id, `aud` the token endpoint, `exp` at
 * most five minutes ahead and a `jti` never seen before for that client. The key is the one whose `kid`
 * and key type match among the registered JWK Set (by value, or fetched from the registered URL; a
 * `jku` header must equal that URL). Every failure is `invalid_client`.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type JSONWebKeySet } from 'jose';
import type { Client } from './clients.js';
import { invalidClient } from './errors.js';
import { nowSeconds, type SmartAccess } from './smart-access.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;

/** Most seconds an assertion's `exp` may lie ahead (five minutes), plus clock skew allowance. */
const MAX_AHEAD = 300;
const SKEW = 5;

/** The client_id an assertion claims (its `iss`), unverified; null when unreadable. */
export function assertionIssuer(assertion: string): string | null {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

/** The registered keys to try (SMART: jku must be the registered URL; else registration-time keys). */
async function candidateKeys(smart: SmartAccess, client: Client, jku: string | undefined): Promise<JWK[]> {
  let set: JSONWebKeySet | undefined;
  if (jku !== undefined) {
    if (jku !== client.jwksUri) throw invalidClient('The jku header is not the registered JWK Set URL');
    set = await smart.fetchJwks(jku);
  } else if (client.jwks) {
    set = client.jwks;
  } else if (client.jwksUri) {
    set = await smart.fetchJwks(client.jwksUri);
  }
  if (!set || !Array.isArray(set.keys)) throw invalidClient('The client has no JWK Set registered');
  return set.keys;
}

/** The one key with the header's kid and a key type consistent with its algorithm. */
async function pickKey(smart: SmartAccess, client: Client, assertion: string) {
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw invalidClient('The client_assertion is not a JWT');
  }
  const alg = header.alg as (typeof ASSERTION_ALGS)[number];
  if (!ASSERTION_ALGS.includes(alg))
    throw invalidClient(`The client_assertion must be signed RS384 or ES384`);
  if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') throw invalidClient('typ must be JWT');
  if (typeof header.kid !== 'string') throw invalidClient('The client_assertion header lacks kid');
  const kty = alg.startsWith('RS') ? 'RSA' : 'EC';
  const keys = (await candidateKeys(smart, client, header.jku)).filter(
    (k) => k.kid === header.kid && k.kty === kty,
  );
  if (keys.length !== 1)
    throw invalidClient(`No single registered key has kid ${JSON.stringify(header.kid.slice(0, 80))}`);
  try {
    return { alg, key: await importJWK(keys[0], alg) };
  } catch {
    throw invalidClient('The registered key cannot verify this algorithm');
  }
}

/** Verifies a client assertion for `client` posted to `audiences[0]`; throws invalid_client. */
export async function verifyClientAssertion(
  smart: SmartAccess,
  client: Client,
  assertion: string,
  audiences: string[],
): Promise<void> {
  if (!client.authMethods.has('private_key_jwt'))
    throw invalidClient('The client is not registered for private_key_jwt');
  const { alg, key } = await pickKey(smart, client, assertion);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [alg],
      issuer: client.id,
      subject: client.id,
      audience: audiences,
      currentDate: smart.clock(),
      clockTolerance: SKEW,
      requiredClaims: ['exp', 'jti', 'sub', 'iss', 'aud'],
    }));
  } catch (err) {
    const claim = (err as { claim?: string }).claim;
    throw invalidClient(
      claim
        ? `The client_assertion ${claim} claim is not valid`
        : 'The client_assertion signature or claims are not valid',
    );
  }
  const now = nowSeconds(smart);
  const exp = payload.exp as number;
  if (exp > now + MAX_AHEAD + SKEW)
    throw invalidClient('The client_assertion exp is more than five minutes ahead');
  const jti = payload.jti as string;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    throw invalidClient('The client_assertion jti is not valid');
  const fresh = await smart.state.add('jti', `${client.id} ${jti}`, true, Math.max(exp - now, 0) + MAX_AHEAD);
  if (!fresh) throw invalidClient('The client_assertion jti was already used');
}
