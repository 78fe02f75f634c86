/**
 * The client side of the token exchange (#18; RFC 8693 §2.1): what the clinician app posts to ccm-fhir's
 * token endpoint, authenticated with private_key_jwt (RFC 7523 §2.2; SMART App Launch 2.2
 * client-confidential-asymmetric.html). Used by the app and by the tests that attack the exchange.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from './identity.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The exchange's successful answer (RFC 8693 §2.2.1 plus the linked context). */
export interface ExchangedToken {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  /** The linked ccm-fhir Patient id. */
  patient: string;
  /** `Practitioner/{ccm id}`: the linked EHR user. */
  fhirUser: string;
  ehr_patient: string;
  iss: string;
}

/** A refused exchange: the HTTP status and the RFC 6749 §5.2 error. */
export class ExchangeError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'ExchangeError';
  }
}

/** What one exchange needs. */
export interface ExchangeInput {
  /** ccm-fhir's token endpoint (`{origin}/auth/token`). */
  tokenEndpoint: string;
  clientId: string;
  /** The client's private JWK (RS384 or ES384, with `kid` and `alg`). */
  privateJwk: JWK;
  /** The EHR's id_token (from its token response). */
  idToken: string;
  /** The EHR access token. */
  actorToken: string;
  /** The EHR's patient id (launch context). */
  ehrPatient: string;
  scope?: string;
}

/** A client assertion for `audience`, valid two minutes. */
export async function clientAssertion(clientId: string, privateJwk: JWK, audience: string): Promise<string> {
  const alg = privateJwk.alg === 'RS384' ? 'RS384' : 'ES384';
  const key = await importJWK(privateJwk, alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg, kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(key);
}

/** The form body of an exchange request. */
export async function exchangeForm(input: ExchangeInput): Promise<URLSearchParams> {
  const form = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: input.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    actor_token: input.actorToken,
    actor_token_type: ACCESS_TOKEN_TYPE,
    ehr_patient: input.ehrPatient,
    client_assertion_type: JWT_BEARER,
    client_assertion: await clientAssertion(input.clientId, input.privateJwk, input.tokenEndpoint),
  });
  if (input.scope !== undefined) form.set('scope', input.scope);
  return form;
}

/** Posts the exchange; the token, or ExchangeError (status 0 when ccm-fhir could not be reached). */
export async function exchangeToken(input: ExchangeInput): Promise<ExchangedToken> {
  let res: globalThis.Response;
  let body: Record<string, unknown>;
  try {
    res = await fetch(input.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: (await exchangeForm(input)).toString(),
      signal: AbortSignal.timeout(20_000),
    });
    body = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw new ExchangeError(0, 'unreachable', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok || typeof body.access_token !== 'string') {
    throw new ExchangeError(
      res.status,
      typeof body.error === 'string' ? body.error : 'invalid_response',
      typeof body.error_description === 'string' ? body.error_description : '',
    );
  }
  return body as unknown as ExchangedToken;
}
