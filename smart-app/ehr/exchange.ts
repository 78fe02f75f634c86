/**
 * The app's side of the token exchange at ccm-fhir (RFC 8693 §2.1; the #18 design contract): when another
 * EHR launched the app, the app presents the EHR's signed id_token (subject) and the EHR access token
 * (actor) with the EHR patient id to ccm-fhir's token endpoint, authenticated with its own credential there
 * (private_key_jwt, SMART client-confidential-asymmetric.html). ccm-fhir, not the app, checks the EHR's
 * signature against its trusted-issuer list, asks the EHR whether this user may see this patient, links
 * the patient and the user, and answers with a token confined to the linked patient.
 */
import { signClientAssertion, type PrivateJwk } from '../refresh.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The app's registration at ccm-fhir (its own credential there). */
export interface CcmClient {
  clientId: string;
  privateJwk: PrivateJwk;
  /** Scopes to ask for (default: the ones ccm-fhir grants the app). */
  scope?: string;
}

/** A ccm-fhir token of one launch, from the exchange. */
export interface CcmToken {
  /** ccm-fhir's FHIR base URL. */
  serverUrl: string;
  tokenUri: string;
  accessToken: string;
  /** Epoch ms after which the token is expired. */
  expiresAt: number;
  scope: string;
  /** The linked ccm-fhir Patient id. */
  patient: string;
  /** The linked ccm-fhir Practitioner, `Practitioner/x`. */
  fhirUser?: string;
  /** Whether ccm-fhir's configuration of this issuer allows the note write-back, when it says. */
  writeBack?: boolean;
}

/** What the exchange sends: the EHR's tokens and patient. */
export interface ExchangeInput {
  idToken: string;
  ehrAccessToken: string;
  ehrPatient: string;
}

/** Why ccm-fhir refused the exchange, or could not be asked. */
export class ExchangeError extends Error {
  constructor(
    /** 0 when ccm-fhir could not be reached; else the HTTP status. */
    readonly status: number,
    /** The RFC 6749 error code (`invalid_grant`, `invalid_client`, ...), or `unreachable`. */
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/** ccm-fhir's token endpoint from its SMART configuration (cached per base URL). */
const endpoints = new Map<string, Promise<string>>();

/** The token endpoint of the ccm-fhir at `base` (SMART App Launch 2.2 conformance "well-known"). */
export function tokenEndpointOf(base: string): Promise<string> {
  let p = endpoints.get(base);
  if (!p) {
    p = (async () => {
      let res: Response;
      try {
        res = await fetch(`${base}/.well-known/smart-configuration`, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(10000),
        });
      } catch {
        throw new ExchangeError(0, 'unreachable', 'ccm-fhir could not be reached.');
      }
      const body = res.ok
        ? ((await res.json().catch(() => null)) as { token_endpoint?: unknown } | null)
        : null;
      if (typeof body?.token_endpoint !== 'string')
        throw new ExchangeError(res.status, 'server_error', 'ccm-fhir has no SMART token endpoint.');
      return body.token_endpoint;
    })();
    endpoints.set(base, p);
    p.catch(() => endpoints.delete(base));
  }
  return p;
}

/** `Practitioner/x` of an absolute or relative reference. */
function relative(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /(Practitioner|PractitionerRole)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Exchanges the EHR's tokens for a ccm-fhir token (RFC 8693 §2.1-2.2); throws ExchangeError when refused. */
export async function exchangeToken(
  ccmBase: string,
  client: CcmClient,
  input: ExchangeInput,
  now: () => number = Date.now,
): Promise<CcmToken> {
  const tokenUri = await tokenEndpointOf(ccmBase);
  const form = new URLSearchParams({
    grant_type: GRANT,
    subject_token: input.idToken,
    subject_token_type: ID_TOKEN,
    actor_token: input.ehrAccessToken,
    actor_token_type: ACCESS_TOKEN,
    ehr_patient: input.ehrPatient,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await signClientAssertion(client.clientId, client.privateJwk, tokenUri),
  });
  if (client.scope) form.set('scope', client.scope);
  let res: Response;
  try {
    res = await fetch(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(20000),
    });
  } catch {
    throw new ExchangeError(0, 'unreachable', 'ccm-fhir could not be reached.');
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const error = typeof body.error === 'string' ? body.error.slice(0, 100) : 'server_error';
    const text = typeof body.error_description === 'string' ? body.error_description.slice(0, 500) : '';
    throw new ExchangeError(res.status, error, text || `ccm-fhir answered ${res.status}.`);
  }
  const token = body.access_token;
  const patient = body.patient;
  if (typeof token !== 'string' || typeof patient !== 'string' || !ID.test(patient))
    throw new ExchangeError(502, 'server_error', 'ccm-fhir answered without a token or a linked patient.');
  const seconds = Number(body.expires_in ?? 3600);
  const fhirUser = relative(body.fhirUser);
  return {
    serverUrl: ccmBase,
    tokenUri,
    accessToken: token,
    expiresAt: now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000,
    scope: typeof body.scope === 'string' ? body.scope : '',
    patient,
    ...(fhirUser ? { fhirUser } : {}),
    ...(typeof body.write_back === 'boolean' ? { writeBack: body.write_back } : {}),
  };
}
