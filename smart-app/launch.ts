/**
 * The SMART launch of the clinician app (SMART App Launch 2.2 app-launch.html), on fhirclient's Node
 * adapter with a per-request storage so its state lives only in our server-side session:
 * - `GET /app/launch?iss&launch` (EHR launch) or `?iss` (standalone launch, `launch/patient`): the issuer
 *   must be configured; its SMART configuration is fetched; the authorization request carries PKCE S256
 *   and a 256-bit `state`; the pending request is kept under that state with a fresh launch key.
 * - `GET /app/callback?code&state`: the state must be one this session issued; the code is exchanged
 *   (Basic credentials or a client assertion); the launch context (patient, encounter, fhirUser,
 *   need_patient_banner) is recorded under the launch key and the tab goes to `/app/p/{key}/`.
 */
import type { Request, Response } from 'express';
import smart from 'fhirclient/lib/entry/node.js';
import type { fhirclient } from 'fhirclient/lib/types.js';
import type { LaunchContext } from './context.js';
import { normaliseIss, type IssuerClient } from './issuers.js';
import { randomToken, type LaunchRecord, type SessionStore } from './sessions.js';
import type { ErrorPage } from './views.js';

/** What the launch handlers need. */
export interface LaunchDeps {
  issuers: IssuerClient[];
  /** This ccm-fhir's FHIR base URL: a launch from any other `iss` uses two servers. */
  ownIss: string;
  /** Whether the app holds a credential at this ccm-fhir for the token exchange (needed for other EHRs). */
  canExchange: boolean;
  sessions: SessionStore;
  /** The app's public origin + `/app`. */
  appBase: string;
  now(): number;
}

/** A launch failure shown as a page. */
export class LaunchError extends Error {
  constructor(readonly page: ErrorPage) {
    super(page.message);
    this.name = 'LaunchError';
  }
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** fhirclient storage over a Map (one per request, seeded from the session). */
function mapStorage(seed: Record<string, unknown> = {}) {
  const map = new Map<string, unknown>(Object.entries(seed));
  const storage: fhirclient.Storage = {
    get: async (k) => map.get(k),
    set: async (k, v) => {
      map.set(k, v);
      return v;
    },
    unset: async (k) => map.delete(k),
  };
  return { map, storage };
}

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v.length <= 2000 ? v : undefined;
}

/** The SMART configuration of an issuer (app-launch.html "Discover SMART configuration"), or a page. */
async function discover(iss: string): Promise<{ code_challenge_methods_supported?: string[] }> {
  let res: Response | globalThis.Response;
  try {
    res = await fetch(`${iss}/.well-known/smart-configuration`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10000),
    });
  } catch {
    throw new LaunchError({
      status: 502,
      title: 'The EHR could not be reached',
      message: 'The app could not reach the FHIR server that launched it, so it cannot sign you in.',
      hint: 'Try again in a few minutes; if it keeps happening, tell your EHR administrator.',
    });
  }
  const body = res.ok ? ((await res.json().catch(() => null)) as Record<string, unknown> | null) : null;
  if (!body || typeof body.authorization_endpoint !== 'string' || typeof body.token_endpoint !== 'string') {
    throw new LaunchError({
      status: 502,
      title: 'The EHR does not offer SMART sign-in',
      message: `The FHIR server answered ${res.status} without a usable SMART configuration.`,
      hint: 'Ask your EHR administrator to check the SMART on FHIR set-up.',
    });
  }
  return body as { code_challenge_methods_supported?: string[] };
}

/** GET /app/launch: starts an EHR or standalone launch; resolves with the authorization URL. */
export async function startLaunch(deps: LaunchDeps, req: Request, res: Response): Promise<string> {
  const rawIss = queryString(req, 'iss');
  const launch = queryString(req, 'launch');
  if (!rawIss)
    throw new LaunchError({
      status: 400,
      title: 'No EHR given',
      message: 'The launch did not say which FHIR server (iss) to use.',
      hint: 'Open the app from your EHR.',
    });
  const iss = normaliseIss(rawIss);
  const client = deps.issuers.find((c) => c.iss === iss);
  if (!client) {
    throw new LaunchError({
      status: 403,
      title: 'This EHR is not allowed',
      message:
        'The app is not registered with the FHIR server that tried to launch it, so it will not send you there to sign in.',
      hint: 'An administrator can add the server to SMART_APP_CLIENTS_FILE.',
    });
  }
  const conf = await discover(iss);
  if (iss !== normaliseIss(deps.ownIss) && !deps.canExchange) {
    throw new LaunchError({
      status: 403,
      title: 'This EHR is not connected to ccm-fhir',
      message:
        'The app keeps the CCM record in ccm-fhir, which trusts no EHR issuer, so it cannot open a launch from this EHR.',
      hint: "An administrator can add this EHR to ccm-fhir's trusted issuers (EHR_ISSUERS_FILE).",
    });
  }
  if (!(conf.code_challenge_methods_supported ?? []).includes('S256')) {
    throw new LaunchError({
      status: 502,
      title: 'The EHR does not support PKCE',
      message: 'The FHIR server does not offer PKCE with S256, which this app requires.',
    });
  }
  const session = deps.sessions.ensure(req, res);
  const stateKey = randomToken(32);
  const key = randomToken(16);
  const scope = launch ? client.scope : client.scope.replace(/(^|\s)launch(\s|$)/, '$1launch/patient$2');
  const { map, storage } = mapStorage();
  const url = await smart(req, res, storage).authorize({
    iss,
    launch,
    clientId: client.clientId,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
    ...(client.privateJwk ? { clientPrivateJwk: client.privateJwk as unknown as fhirclient.JWK } : {}),
    scope,
    redirectUri: `${deps.appBase}/callback`,
    pkceMode: 'required',
    noRedirect: true,
    stateKey,
  });
  const state = map.get(stateKey) as fhirclient.ClientState | undefined;
  if (typeof url !== 'string' || !state)
    throw new Error('fhirclient did not prepare the authorization request');
  deps.sessions.addPending(session, stateKey, { key, state, createdAt: deps.now() });
  return url;
}

/** Decodes a JWT's payload without checking it (the id_token came straight from the token endpoint over TLS). */
function jwtClaims(jwt: unknown): Record<string, unknown> {
  if (typeof jwt !== 'string') return {};
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

/** `Practitioner/x` from an absolute or relative fhirUser URL. */
export function relativeRef(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * The launch context from a token response (app-launch.html "Launch context arrives with the access token").
 * The patient and user are the EHR's; when `ownIss` (this ccm-fhir) is another server, the token exchange
 * replaces them with the linked ccm-fhir ones (smart-app/ehr/link.ts).
 */
export function contextOf(key: string, state: fhirclient.ClientState, ownIss?: string): LaunchContext {
  const tr = (state.tokenResponse ?? {}) as Record<string, unknown>;
  const patientId = typeof tr.patient === 'string' && ID.test(tr.patient) ? tr.patient : undefined;
  if (!patientId) {
    throw new LaunchError({
      status: 400,
      title: 'No patient in context',
      message: 'The EHR did not say which patient the app is for.',
      hint: 'Open a patient chart in the EHR and launch the app from there.',
    });
  }
  const claims = jwtClaims(tr.id_token);
  const fhirUser = relativeRef(claims.fhirUser ?? tr.fhirUser);
  const encounterId = typeof tr.encounter === 'string' && ID.test(tr.encounter) ? tr.encounter : undefined;
  const serverUrl = normaliseIss(state.serverUrl);
  const ccmUrl = ownIss ? normaliseIss(ownIss) : serverUrl;
  return {
    key,
    serverUrl,
    ehrIss: serverUrl,
    ccmUrl,
    twoServers: ccmUrl !== serverUrl,
    patientId,
    ehrPatientId: patientId,
    ...(fhirUser ? { fhirUser, ehrFhirUser: fhirUser } : {}),
    ...(typeof claims.name === 'string' ? { userName: claims.name } : {}),
    ...(encounterId ? { encounterId } : {}),
    needPatientBanner: tr.need_patient_banner !== false,
  };
}

/**
 * GET /app/callback: completes the launch; `prepare` (the link to ccm-fhir, the banner) runs before the
 * launch is kept in the session, so a launch that fails there is never usable. Resolves with the record.
 */
export async function completeLaunch(
  deps: LaunchDeps,
  req: Request,
  res: Response,
  prepare: (record: LaunchRecord) => Promise<void> = async () => undefined,
): Promise<LaunchRecord> {
  const error = queryString(req, 'error');
  const stateKey = queryString(req, 'state');
  const session = deps.sessions.find(req);
  const pending = session && stateKey ? deps.sessions.takePending(session, stateKey) : undefined;
  if (error === 'access_denied') {
    throw new LaunchError({
      status: 403,
      title: 'Access was not allowed',
      message: 'The app was not given access to the patient record, so it cannot open.',
      hint: 'Launch the app again and choose Allow if you want to use it.',
    });
  }
  if (error) {
    throw new LaunchError({
      status: 400,
      title: 'The EHR refused the sign-in',
      message: `The authorization server answered: ${error}${queryString(req, 'error_description') ? ` (${queryString(req, 'error_description')})` : ''}.`,
      hint: 'Launch the app again from the EHR.',
    });
  }
  if (!session || !stateKey || !pending) {
    throw new LaunchError({
      status: 400,
      title: 'This sign-in link is not valid',
      message: 'The app did not start this sign-in, or it expired (the state parameter is unknown).',
      hint: 'Launch the app again from the EHR.',
    });
  }
  const { storage } = mapStorage({ [stateKey]: pending.state });
  let client;
  try {
    client = await smart(req, res, storage).ready();
  } catch {
    throw new LaunchError({
      status: 502,
      title: 'Sign-in could not be completed',
      message: 'The EHR did not exchange the authorization code for an access token.',
      hint: 'Launch the app again; if it keeps happening, tell your EHR administrator.',
    });
  }
  const record: LaunchRecord = {
    context: contextOf(pending.key, client.state, deps.ownIss),
    client: client.state,
    csrf: randomToken(32),
    flash: [],
    store: new Map(),
  };
  await prepare(record);
  session.launches.set(pending.key, record);
  return record;
}
