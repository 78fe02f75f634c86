/**
 * Access tokens and id_tokens. Access tokens are JWTs (RFC 9068 `at+jwt`) signed with the server key:
 * `aud` is the FHIR base (a token for another server is refused), they carry the granted scope, the
 * client, the subject, the launch context and the grant id they came from, and never a secret. id_tokens
 * follow OpenID Connect Core §2 with SMART's `fhirUser` claim (SMART App Launch 2.2
 * scopes-and-launch-context.html "Scopes for requesting identity data").
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { accessContext, type AccessContext } from '../fhir/access/context.js';
import { nowSeconds, type SmartAccess } from './smart-access.js';

/** One authorization: what a user (or a backend client) granted a client, and its launch context. */
export interface Grant {
  gid: string;
  clientId: string;
  sub: string;
  /** Granted scopes, space-separated. */
  scope: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  needPatientBanner?: boolean;
  smartStyleUrl?: string;
  /** Epoch seconds of the user's authentication. */
  authTime?: number;
  nonce?: string;
}

/** The claims of our access tokens. */
export interface AccessClaims extends JWTPayload {
  jti: string;
  client_id: string;
  sub: string;
  scope: string;
  gid: string;
  exp: number;
  iat: number;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}

/** Signs an access token for `scope` (a subset of the grant's) valid `seconds`. */
export async function mintAccessToken(
  smart: SmartAccess,
  grant: Grant,
  scope: string,
  seconds: number,
): Promise<{ token: string; claims: AccessClaims }> {
  const iat = nowSeconds(smart);
  const claims: AccessClaims = {
    jti: randomUUID(),
    client_id: grant.clientId,
    sub: grant.sub,
    scope,
    gid: grant.gid,
    iat,
    exp: iat + seconds,
  };
  if (grant.patient) claims.patient = grant.patient;
  if (grant.encounter) claims.encounter = grant.encounter;
  if (grant.fhirUser) claims.fhirUser = `${smart.issuer}/${grant.fhirUser}`;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: smart.keys.alg, kid: smart.keys.kid, typ: 'at+jwt' })
    .setIssuer(smart.issuer)
    .setAudience(smart.issuer)
    .sign(smart.keys.privateKey);
  return { token, claims };
}

/** Signs an id_token (OIDC Core §2) with `fhirUser` as an absolute URL readable at our FHIR base. */
export async function mintIdToken(smart: SmartAccess, grant: Grant, clientId: string): Promise<string> {
  const iat = nowSeconds(smart);
  const claims: JWTPayload & Record<string, unknown> = {
    sub: grant.sub,
    iat,
    exp: iat + smart.settings.accessTokenSeconds,
    auth_time: grant.authTime ?? iat,
  };
  if (grant.fhirUser) claims.fhirUser = `${smart.issuer}/${grant.fhirUser}`;
  if (grant.nonce) claims.nonce = grant.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: smart.keys.alg, kid: smart.keys.kid, typ: 'JWT' })
    .setIssuer(smart.issuer)
    .setAudience(clientId)
    .sign(smart.keys.privateKey);
}

/** Why a presented access token is not accepted (never echoes the token). */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

/** Checks signature, issuer, audience (our FHIR base), type and expiry; returns the claims. */
export async function verifyAccessJwt(smart: SmartAccess, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, smart.keys.publicKey, {
      issuer: smart.issuer,
      audience: smart.issuer,
      algorithms: [smart.keys.alg],
      typ: 'at+jwt',
      currentDate: smart.clock(),
      requiredClaims: ['jti', 'exp', 'sub'],
    });
    const c = payload as AccessClaims;
    if (typeof c.client_id !== 'string' || typeof c.scope !== 'string' || typeof c.gid !== 'string') {
      throw new TokenRejected('The access token lacks SMART claims');
    }
    return c;
  } catch (err) {
    if (err instanceof TokenRejected) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new TokenRejected('The access token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') {
      throw new TokenRejected('The access token was issued for another server (aud)');
    }
    throw new TokenRejected('The access token is not valid');
  }
}

/** True when the token, or the grant it came from, was revoked (RFC 7009); one lookup in the auth state. */
export async function isRevoked(
  smart: SmartAccess,
  claims: Pick<AccessClaims, 'jti' | 'gid'>,
): Promise<boolean> {
  return smart.state.anyLive([
    ['at-revoked', claims.jti],
    ['grant-revoked', claims.gid],
  ]);
}

/** The access context of verified claims (fhirUser made relative to our FHIR base). */
function contextOf(smart: SmartAccess, claims: AccessClaims): AccessContext {
  const fhirUser = claims.fhirUser?.startsWith(`${smart.issuer}/`)
    ? claims.fhirUser.slice(smart.issuer.length + 1)
    : claims.fhirUser;
  return accessContext({ ...claims, patient: claims.patient, fhirUser });
}

/**
 * Verifies a bearer token for the resource server: valid, ours, for us, not revoked. A token verified
 * before is taken from the cache until its expiry; the revocation check runs on every call.
 */
export async function verifyAccessToken(
  smart: SmartAccess,
  token: string,
): Promise<{ claims: AccessClaims; context: AccessContext }> {
  let entry = smart.verified.get(token, nowSeconds(smart));
  if (!entry) {
    const claims = await verifyAccessJwt(smart, token);
    entry = { claims, context: contextOf(smart, claims) };
    // A not-before claim would need checking on every hit; our tokens carry none, so never cache those.
    if (claims.nbf === undefined) smart.verified.set(token, entry);
  }
  if (await isRevoked(smart, entry.claims)) {
    smart.verified.forget(token);
    throw new TokenRejected('The access token was revoked');
  }
  return entry;
}
