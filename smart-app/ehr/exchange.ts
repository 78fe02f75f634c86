/**
 * The app's side of the token exchange at ccm-fhir (RFC 8693 §2.1; the #18 design contract): when another
 * EHR launched the app, the app presents the EHR's signed id_token (subject) and the EHR access token
 * (actor) with the EHR patient id to ccm-fhir's token endpoint, authenticated with its own credential there
 * (private_key_jwt, SMART client-confidential-asymmetric.html). ccm-fhir, not the app, checks the EHR's
 * signature against its trusted-issuer list, asks the EHR whether this user may see this patient, links
 * the patient and the user, and answers with a token confined to the linked patient.
 */
import { ExchangeError, exchangeToken as postExchange } from '../../server/ccm/ehr-link/exchange-client.js';
import type { PrivateJwk } from '../refresh.js';

export { ExchangeError };

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
}

/** What the exchange sends: the EHR's tokens and patient. */
export interface ExchangeInput {
  idToken: string;
  ehrAccessToken: string;
  ehrPatient: string;
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

/**
 * Exchanges the EHR's tokens for a ccm-fhir token (RFC 8693 §2.1-2.2, through the server's exchange client
 * server/ccm/ehr-link/exchange-client.ts); throws ExchangeError when refused (status 0: ccm-fhir unreachable).
 */
export async function exchangeToken(
  ccmBase: string,
  client: CcmClient,
  input: ExchangeInput,
  now: () => number = Date.now,
): Promise<CcmToken> {
  const tokenUri = await tokenEndpointOf(ccmBase);
  const body = await postExchange({
    tokenEndpoint: tokenUri,
    clientId: client.clientId,
    privateJwk: client.privateJwk,
    idToken: input.idToken,
    actorToken: input.ehrAccessToken,
    ehrPatient: input.ehrPatient,
    ...(client.scope ? { scope: client.scope } : {}),
  });
  if (typeof body.patient !== 'string' || !ID.test(body.patient))
    throw new ExchangeError(502, 'invalid_response', 'ccm-fhir answered without a linked patient.');
  const seconds = Number(body.expires_in ?? 3600);
  const fhirUser = relative(body.fhirUser);
  return {
    serverUrl: ccmBase,
    tokenUri,
    accessToken: body.access_token,
    expiresAt: now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000,
    scope: typeof body.scope === 'string' ? body.scope : '',
    patient: body.patient,
    ...(fhirUser ? { fhirUser } : {}),
  };
}
