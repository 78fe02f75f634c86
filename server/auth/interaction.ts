/**
 * The user-facing half of the authorization code flow (SMART App Launch 2.2 app-launch.html "EHR
 * evaluates authorization request"): the practice user signs in (passport-local against the practice's
 * users), sees what the app asks for, picks a patient when a standalone launch needs one
 * (`context-standalone-patient`), and allows or denies. Allow issues a single-use code bound to the
 * client, the redirect URI and the PKCE challenge; deny redirects `access_denied` (RFC 6749 §4.1.2.1).
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Patient } from 'fhir/r4.js';
import type { FhirServices } from '../fhir/services.js';
import { withQuery, type PendingAuthorization } from './authorize.js';
import { issueCode } from './grants.js';
import { needsPatient } from './scope-policy.js';
import { nowSeconds, type SmartAccess } from './smart-access.js';
import type { Grant } from './tokens.js';
import type { Views } from './views.js';

/** A patient's label for pickers: name, birth date and id. */
export function patientLabel(p: Patient): string {
  const n = p.name?.[0];
  const name = n?.text ?? [n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
  return `${name || 'Unnamed'}${p.birthDate ? ` (born ${p.birthDate})` : ''} · ${p.id}`;
}

/** The practice's patients for a picker (first 200 by id). */
export async function patientChoices(services: FhirServices): Promise<Array<{ id: string; label: string }>> {
  const docs = await services.resources.find(
    'Patient',
    { kind: 'all' },
    { order: 'id', limit: 200, fields: 'resource' },
  );
  return docs.flatMap((d) => (d.resource ? [{ id: d._id, label: patientLabel(d.resource as Patient) }] : []));
}

function expired(views: Views, res: Response): void {
  views.render(res, 400, 'error', {
    title: 'This sign-in has expired',
    message: 'The authorization request is unknown or has expired.',
  });
}

/** True when the consent step must ask for a patient (patient scopes and no launch patient). */
function pickPatient(p: PendingAuthorization): boolean {
  return !p.launch?.patient && (needsPatient(p.scopes) || p.scopes.includes('launch/patient'));
}

/**
 * GET /auth/interaction/:id: the login page (with its CSRF token; `status` of a refused sign-in), or the
 * consent page for a signed-in user.
 */
export async function showInteraction(
  smart: SmartAccess,
  services: FhirServices,
  views: Views,
  req: Request,
  res: Response,
  error?: string,
  status?: number,
): Promise<void> {
  const pending = await smart.state.get<PendingAuthorization>('authz', String(req.params.id));
  if (!pending) return expired(views, res);
  const client = smart.clients.get(pending.clientId);
  const username = await smart.sessions.read(req);
  const user = username ? await smart.users.find(username) : null;
  if (!user) {
    views.render(res, status ?? (error ? 401 : 200), 'login', {
      title: 'Sign in',
      practice: 'the demo practice',
      clientName: client?.name,
      action: `${smart.authBase}/interaction/${pending.id}/login`,
      csrf: smart.sessions.loginCsrf(res),
      error,
    });
    return;
  }
  const launchPatient = pending.launch?.patient;
  views.render(res, error ? 400 : 200, 'consent', {
    title: `Allow ${client?.name ?? pending.clientId}`,
    clientName: client?.name ?? pending.clientId,
    userName: user.name,
    scopes: pending.scopes,
    csrf: pending.csrf,
    action: `${smart.authBase}/interaction/${pending.id}/consent`,
    patientContext: launchPatient,
    pickPatient: pickPatient(pending),
    patients: pickPatient(pending) ? await patientChoices(services) : [],
    error,
  });
}

/** The grant a signed-in user's approval creates. */
async function grantOf(
  smart: SmartAccess,
  pending: PendingAuthorization,
  username: string,
  fhirUser: string,
  patient: string | undefined,
): Promise<Grant> {
  const ehr = pending.launch;
  const grant: Grant = {
    gid: randomUUID(),
    clientId: pending.clientId,
    sub: username,
    scope: pending.scopes.join(' '),
    needPatientBanner: ehr ? ehr.needPatientBanner : true,
    smartStyleUrl: ehr?.smartStyleUrl ?? `${smart.origin}/ehr/smart-style.json`,
    authTime: nowSeconds(smart),
    nonce: pending.nonce,
  };
  if (patient) grant.patient = patient;
  if (ehr?.encounter) grant.encounter = ehr.encounter;
  if (pending.scopes.includes('fhirUser') || pending.scopes.includes('openid')) grant.fhirUser = fhirUser;
  return grant;
}

/** POST /auth/interaction/:id/consent: allow (code) or deny (access_denied), back to the client. */
export async function decideInteraction(
  smart: SmartAccess,
  services: FhirServices,
  views: Views,
  req: Request,
  res: Response,
): Promise<void> {
  const id = String(req.params.id);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const pending = await smart.state.get<PendingAuthorization>('authz', id);
  const username = await smart.sessions.read(req);
  const user = username ? await smart.users.find(username) : null;
  if (!pending || !user || body.csrf !== pending.csrf) return expired(views, res);
  if (body.decision !== 'approve') {
    if (!(await smart.state.take('authz', id))) return expired(views, res);
    const denied = {
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: pending.state,
    };
    res.redirect(302, withQuery(pending.redirectUri, denied));
    return;
  }
  let patient = pending.launch?.patient;
  if (pickPatient(pending)) {
    const chosen = typeof body.patient === 'string' ? body.patient : '';
    const found = /^[A-Za-z0-9\-.]{1,64}$/.test(chosen)
      ? await services.resources.read('Patient', chosen)
      : null;
    if (!found || found.deleted)
      return showInteraction(smart, services, views, req, res, 'Choose a patient.');
    patient = chosen;
  }
  if (!(await smart.state.take('authz', id))) return expired(views, res);
  const grant = await grantOf(smart, pending, user.username, user.fhirUser, patient);
  const code = await issueCode(smart, {
    grant,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    refresh: pending.refresh,
  });
  res.redirect(302, withQuery(pending.redirectUri, { code, state: pending.state }));
}
