/**
 * Verifying an EHR's id_token before ccm-fhir exchanges it (#18; OpenID Connect Core 1.0 §3.1.3.7; SMART App
 * Launch 2.2 scopes-and-launch-context.html "fhirUser"): the issuer must be trusted (EHR_ISSUERS_FILE), the
 * signature made by one of its keys with an asymmetric algorithm, `aud` the app's client_id at that EHR
 * (with `azp` naming it when there are several audiences), unexpired and not issued in the future, and
 * `fhirUser` a Practitioner (or PractitionerRole) of that same EHR. Keys come from the configured `jwks`
 * or `jwks_uri` (cached up to an hour; five minutes when the EHR gives no Cache-Control; fetched again,
 * at most once a minute, when a token names a `kid` the cache lacks, so key rotation works).
 * Every refusal is RFC 8693 §2.2.2 `invalid_grant`; an unreachable key set is `temporarily_unavailable`.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { invalidGrant, OAuthError } from '../../auth/errors.js';
import { fetchJwksOnce, type JwksFailure } from '../../auth/jwks-fetch.js';
import { parseFhirUser, type RecordRef } from './identity.js';
import { trustedIssuer, type EhrIssuer } from './issuers.js';

/** Signature algorithms accepted on id_tokens (never `none` or a shared-secret HMAC). */
export const ID_TOKEN_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'PS384'];
const SKEW_SECONDS = 30;
const DEFAULT_CACHE_SECONDS = 300;
const REFETCH_SECONDS = 60;

/** A verified id_token: its issuer entry, claims and the EHR user it names. */
export interface VerifiedIdToken {
  issuer: EhrIssuer;
  claims: JWTPayload & { sub: string; exp: number };
  user: RecordRef;
}

const unavailable: JwksFailure = (kind, message) =>
  kind === 'unreachable'
    ? new OAuthError('temporarily_unavailable', `The EHR's key set could not be fetched: ${message}`, 503)
    : invalidGrant(`The EHR's key set is not usable: ${message}`);

/** The trusted issuers' key sets, cached per `jwks_uri`. */
export class IssuerKeys {
  private readonly cache = new Map<string, { set: JSONWebKeySet; until: number; fetched: number }>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** The key set of an issuer; `kid` not in a cached set refetches it (at most once a minute). */
  async keysOf(issuer: EhrIssuer, kid: string | undefined): Promise<JSONWebKeySet> {
    if (issuer.jwks) return issuer.jwks;
    const url = issuer.jwksUri as string;
    const now = this.clock().getTime();
    const hit = this.cache.get(url);
    const known = hit && (kid === undefined || hit.set.keys.some((k) => k.kid === kid));
    if (hit && hit.until > now && (known || now - hit.fetched < REFETCH_SECONDS * 1000)) return hit.set;
    const { set, seconds } = await fetchJwksOnce(url, unavailable);
    const ttl = (seconds > 0 ? seconds : DEFAULT_CACHE_SECONDS) * 1000;
    this.cache.set(url, { set, until: now + ttl, fetched: now });
    return set;
  }
}

/** The issuer of an unverified token, when it is a trusted one; else invalid_grant. */
function issuerOf(issuers: readonly EhrIssuer[], token: string): EhrIssuer {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw invalidGrant('subject_token is not a JWT');
  }
  const issuer = trustedIssuer(issuers, iss);
  if (!issuer) throw invalidGrant('The id_token issuer is not a trusted EHR');
  return issuer;
}

/** Maps a jose failure to the description of the invalid_grant. */
function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The id_token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `The id_token ${err.claim} claim is not valid`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'No key of the EHR matches the id_token';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The id_token algorithm is not allowed';
  return 'The id_token signature is not valid';
}

/** Verifies `token` as an id_token of a trusted issuer for the clinician app (see the module comment). */
export async function verifyEhrIdToken(
  issuers: readonly EhrIssuer[],
  keys: IssuerKeys,
  token: string,
  now: Date,
): Promise<VerifiedIdToken> {
  const issuer = issuerOf(issuers, token);
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw invalidGrant('subject_token is not a JWT');
  }
  const set = await keys.keysOf(issuer, kid);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(set), {
      audience: issuer.idTokenAudience,
      algorithms: ID_TOKEN_ALGS,
      currentDate: now,
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (err) {
    throw invalidGrant(describe(err));
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if ((payload.iat as number) > nowSeconds + SKEW_SECONDS)
    throw invalidGrant('The id_token iat claim is not valid');
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== issuer.idTokenAudience)
    throw invalidGrant('The id_token azp claim is not valid');
  const fhirUser = payload.fhirUser;
  if (typeof fhirUser !== 'string') throw invalidGrant('The id_token has no fhirUser claim');
  const user = parseFhirUser(issuer.iss, fhirUser);
  if (!user || (user.type !== 'Practitioner' && user.type !== 'PractitionerRole'))
    throw invalidGrant("The id_token's fhirUser is not a Practitioner of that EHR");
  return { issuer, claims: payload as VerifiedIdToken['claims'], user };
}
