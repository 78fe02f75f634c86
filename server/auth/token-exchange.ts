/**
 * grant_type=urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693; #18, README "Linking EHRs"): the
 * clinician app, launched by a trusted EHR, trades the EHR's signed id_token (subject_token) and its EHR
 * access token (actor_token) for a ccm-fhir token confined to the linked patient. Checks, in order:
 *
 * 1. the client authenticated with private_key_jwt and is registered for this grant (`unauthorized_client`);
 * 2. the parameters: token types, `ehr_patient` a FHIR id, `audience`/`resource` (if any) this server;
 * 3. the id_token: a trusted issuer's, signed by its keys, for the app, unexpired, naming a Practitioner
 *    (server/ccm/ehr-link/id-token.ts);
 * 4. the EHR itself answers `{iss}/Patient/{ehr_patient}` to the actor token (it vouches that this user may
 *    see this patient); it also names the user (`fhirUser` read, best effort);
 * 5. Patient and Practitioner are linked by conditional update on their EHR identifiers
 *    (server/ccm/ehr-link/link-records.ts): the same EHR patient is always the same ccm-fhir Patient;
 * 6. the token: the requested scopes (default all) within EXCHANGE_SCOPE and the client's registration,
 *    `patient` = the linked Patient, `fhirUser` = the linked Practitioner, at most one hour, no refresh token
 *    (the app exchanges again with a fresh id_token).
 *
 * Failures are RFC 6749 §5.2 / RFC 8693 §2.2.2 JSON errors; an unreachable EHR is `temporarily_unavailable`.
 */
import { randomUUID } from 'node:crypto';
import type { Patient } from 'fhir/r4.js';
import { EXCHANGE_SCOPE } from '../ccm/ehr-link/app-client.js';
import { confirmPatientAtEhr, readAtEhr } from '../ccm/ehr-link/ehr-read.js';
import { verifyEhrIdToken } from '../ccm/ehr-link/id-token.js';
import {
  ACCESS_TOKEN_TYPE,
  ehrIdentifier,
  ID_TOKEN_TYPE,
  linkedPatient,
  linkedPractitioner,
} from '../ccm/ehr-link/identity.js';
import { LinkRefused, upsertLinked } from '../ccm/ehr-link/link-records.js';
import { covers, parseResourceScope, resourceScopes, splitScopes } from '../fhir/access/scopes.js';
import type { FhirServices } from '../fhir/services.js';
import { TOKEN_EXCHANGE } from './clients.js';
import type { AuthenticatedClient, Form } from './client-auth.js';
import { invalidGrant, invalidRequest, OAuthError } from './errors.js';
import { grantScopes } from './scope-policy.js';
import type { EhrLinkAccess, SmartAccess } from './smart-access.js';
import { mintAccessToken, type Grant } from './tokens.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_TOKEN = 16 * 1024;
const MAX_SECONDS = 3600;

/** The most an exchanged token may hold, parsed once. */
const CEILING = resourceScopes(splitScopes(EXCHANGE_SCOPE));

/** What the request asks for, checked (step 2). */
interface ExchangeRequest {
  idToken: string;
  actorToken: string;
  ehrPatient: string;
  scope?: string;
}

/** Step 1: private_key_jwt and the grant in the registration. */
function checkClient(who: AuthenticatedClient): void {
  if (who.method !== 'private_key_jwt')
    throw new OAuthError(
      'unauthorized_client',
      'The token exchange requires private_key_jwt client authentication',
    );
  if (!who.client.grantTypes.has(TOKEN_EXCHANGE))
    throw new OAuthError('unauthorized_client', 'The client may not use the token exchange');
}

/** Step 2: the RFC 8693 §2.1 parameters. */
function parseRequest(smart: SmartAccess, form: Form): ExchangeRequest {
  const need = (name: string): string => {
    const v = form[name];
    if (!v) throw invalidRequest(`${name} is required`);
    if (v.length > MAX_TOKEN) throw invalidRequest(`${name} is too long`);
    return v;
  };
  const idToken = need('subject_token');
  if (need('subject_token_type') !== ID_TOKEN_TYPE)
    throw invalidRequest(`subject_token_type must be ${ID_TOKEN_TYPE}`);
  const actorToken = need('actor_token');
  if (need('actor_token_type') !== ACCESS_TOKEN_TYPE)
    throw invalidRequest(`actor_token_type must be ${ACCESS_TOKEN_TYPE}`);
  const ehrPatient = need('ehr_patient');
  if (!ID.test(ehrPatient)) throw invalidRequest('ehr_patient must be a FHIR id');
  if (form.requested_token_type !== undefined && form.requested_token_type !== ACCESS_TOKEN_TYPE)
    throw invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  for (const name of ['audience', 'resource'] as const) {
    const v = form[name];
    if (v !== undefined && v.replace(/\/+$/, '') !== smart.issuer)
      throw new OAuthError('invalid_target', `${name} must be this server's FHIR base ${smart.issuer}`);
  }
  return { idToken, actorToken, ehrPatient, scope: form.scope };
}

/** Step 6's scopes: requested (default the ceiling), granted to the client, within the ceiling. */
function exchangeScopes(services: FhirServices, who: AuthenticatedClient, requested?: string): string {
  const wanted = requested !== undefined ? splitScopes(requested) : CEILING.map((s) => s.raw);
  const granted = grantScopes(services, who.client, wanted, 'user').filter((raw) => {
    const s = parseResourceScope(raw);
    return s !== null && CEILING.some((c) => covers(c, s));
  });
  if (!granted.some((raw) => raw.startsWith('patient/')))
    throw new OAuthError('invalid_scope', `Grantable scopes are within ${EXCHANGE_SCOPE}`);
  return granted.join(' ');
}

/** Steps 3-5: the verified user, the EHR's confirmation and the links; the linked ids. */
async function link(
  smart: SmartAccess,
  services: FhirServices,
  ehr: EhrLinkAccess,
  who: AuthenticatedClient,
  req: ExchangeRequest,
) {
  const verified = await verifyEhrIdToken(ehr.issuers, ehr.keys, req.idToken, smart.clock());
  const iss = verified.issuer.iss;
  const ehrPatient = (await confirmPatientAtEhr(iss, req.ehrPatient, req.actorToken)) as Patient;
  const userRead = await readAtEhr(iss, verified.user.type, verified.user.id, req.actorToken).catch(
    () => null,
  );
  const ehrUser = userRead?.ok ? userRead.resource : undefined;
  const patient = await upsertLinked(
    services,
    who.client.id,
    'Patient',
    ehrIdentifier(iss, 'Patient', req.ehrPatient),
    linkedPatient(iss, ehrPatient),
  );
  const practitioner = await upsertLinked(
    services,
    who.client.id,
    'Practitioner',
    ehrIdentifier(iss, verified.user.type, verified.user.id),
    linkedPractitioner(iss, verified.user, ehrUser),
  );
  return { verified, patient: patient.id, practitioner: practitioner.id };
}

/** grant_type=urn:ietf:params:oauth:grant-type:token-exchange; the token response (RFC 8693 §2.2.1). */
export async function tokenExchange(
  smart: SmartAccess,
  services: FhirServices,
  who: AuthenticatedClient,
  form: Form,
): Promise<Record<string, unknown>> {
  const ehr = smart.ehrLink;
  if (!ehr) throw new OAuthError('unsupported_grant_type', 'No EHR issuer is trusted by this server');
  checkClient(who);
  const req = parseRequest(smart, form);
  const scope = exchangeScopes(services, who, req.scope);
  const { verified, patient, practitioner } = await link(smart, services, ehr, who, req).catch(
    (err: unknown) => {
      if (err instanceof LinkRefused && err.status < 500)
        throw invalidGrant(`The EHR's record could not be linked: ${err.message}`);
      throw err;
    },
  );
  const seconds = Math.min(smart.settings.accessTokenSeconds, MAX_SECONDS);
  const grant: Grant = {
    gid: randomUUID(),
    clientId: who.client.id,
    sub: `${verified.issuer.name}|${verified.claims.sub}`.slice(0, 256),
    scope,
    patient,
    fhirUser: `Practitioner/${practitioner}`,
  };
  const { token } = await mintAccessToken(smart, grant, scope, seconds);
  return {
    access_token: token,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: seconds,
    scope,
    patient,
    fhirUser: `Practitioner/${practitioner}`,
    ehr_patient: req.ehrPatient,
    iss: verified.issuer.iss,
  };
}
