/**
 * /ehr: a small EHR launch simulator for the demo practice (SMART App Launch 2.2 app-launch.html "EHR
 * launch"). A practice user signs in (sign-in-form.ts: CSRF token, rate limits), opens a patient's chart (optionally an encounter) and launches any
 * registered app: the simulator records a launch context bound to that app and sends the browser to the
 * app's launch URL with `iss` (our FHIR base) and `launch`.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { Encounter, Patient } from 'fhir/r4.js';
import { createLaunch } from '../auth/grants.js';
import { patientChoices, patientLabel } from '../auth/interaction.js';
import type { SignInLimits } from '../auth/rate-limits.js';
import { wrap } from '../auth/router.js';
import { localLogin, practicePassport } from '../auth/sign-in-form.js';
import type { SmartAccess } from '../auth/smart-access.js';
import { AUTH_VIEWS, Views } from '../auth/views.js';
import type { FhirServices } from '../fhir/services.js';

const EHR_VIEWS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The SMART style this EHR publishes (scopes-and-launch-context.html "SMART App Styling"). */
export const SMART_STYLE = {
  color_background: '#f4f5f7',
  color_error: '#9e2d2d',
  color_highlight: '#2d5bd7',
  color_modal_backdrop: '#00000066',
  color_success: '#2e7d32',
  color_text: '#1d2430',
  dim_border_radius: '6px',
  dim_font_size: '15px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, sans-serif',
  font_family_heading: 'system-ui, sans-serif',
};

function encounterLabel(e: Encounter): string {
  const when = e.period?.start?.slice(0, 10) ?? 'undated';
  const what =
    e.type?.[0]?.text ??
    e.type?.[0]?.coding?.[0]?.display ??
    e.class?.display ??
    e.class?.code ??
    'encounter';
  return `${when} · ${what} · ${e.id}`;
}

/** The apps the simulator can launch: clients with a launch URL and the authorization code flow. */
function launchableApps(smart: SmartAccess) {
  return smart.clients.all().filter((c) => c.launchUri && c.grantTypes.has('authorization_code'));
}

/** The sign-in page of the simulator, with a fresh CSRF token (and the error of a refused sign-in). */
async function loginPage(
  smart: SmartAccess,
  views: Views,
  res: Response,
  status: number,
  error?: string,
): Promise<void> {
  views.render(res, status, 'login', {
    title: 'Demo EHR sign in',
    practice: 'the demo EHR',
    action: `${smart.origin}/ehr/login`,
    csrf: smart.sessions.loginCsrf(res),
    error,
  });
}

async function home(
  smart: SmartAccess,
  services: FhirServices,
  views: { ehr: Views; auth: Views },
  req: Request,
  res: Response,
) {
  const username = await smart.sessions.read(req);
  const user = username ? await smart.users.find(username) : null;
  const base = `${smart.origin}/ehr`;
  if (!user) return loginPage(smart, views.auth, res, 200);
  const chosen =
    typeof req.query.patient === 'string' && ID.test(req.query.patient) ? req.query.patient : undefined;
  const doc = chosen ? await services.resources.read('Patient', chosen) : null;
  const patient = doc && !doc.deleted ? (doc.resource as Patient) : undefined;
  const encounters = patient
    ? await services.resources.find(
        'Encounter',
        { kind: 'compartment', name: '_compartment', compartment: `Patient/${patient.id}` },
        { order: 'id', limit: 100, fields: 'resource' },
      )
    : [];
  const csrf = randomBytes(18).toString('base64url');
  await smart.state.set('ehr-csrf', csrf, user.username, 3600);
  views.ehr.render(res, 200, 'home', {
    title: 'Demo EHR',
    practice: 'demo practice',
    base,
    userName: user.name,
    patients: (await patientChoices(services)).map((p) => ({ ...p, selected: p.id === patient?.id })),
    patient: patient?.id,
    patientLabel: patient ? patientLabel(patient) : undefined,
    encounters: encounters.flatMap((d) =>
      d.resource ? [{ id: d._id, label: encounterLabel(d.resource as Encounter) }] : [],
    ),
    apps: launchableApps(smart).map((c) => ({ id: c.id, name: c.name })),
    csrf,
  });
}

/** POST /ehr/launch: records the launch context and sends the browser to the app (EHR launch). */
async function launch(smart: SmartAccess, services: FhirServices, req: Request, res: Response) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const username = await smart.sessions.read(req);
  const csrfUser =
    typeof body.csrf === 'string' ? await smart.state.take<string>('ehr-csrf', body.csrf) : null;
  if (!username || csrfUser !== username) {
    res.status(403).type('text/plain').send('Sign in to the demo EHR again.');
    return;
  }
  const client = launchableApps(smart).find((c) => c.id === body.client_id);
  const patientId = typeof body.patient === 'string' && ID.test(body.patient) ? body.patient : '';
  const patient = patientId ? await services.resources.read('Patient', patientId) : null;
  const encounterId =
    typeof body.encounter === 'string' && ID.test(body.encounter) ? body.encounter : undefined;
  const encounter = encounterId
    ? await services.resources.read('Encounter', encounterId, { fields: 'all' })
    : null;
  if (
    !client?.launchUri ||
    !patient ||
    patient.deleted ||
    (encounterId && !encounter?.comp?.includes(`Patient/${patientId}`))
  ) {
    res
      .status(400)
      .type('text/plain')
      .send('Choose a patient, an encounter of that patient and a registered app.');
    return;
  }
  const id = await createLaunch(smart, {
    clientId: client.id,
    username,
    patient: patientId,
    encounter: encounterId,
    needPatientBanner: false,
    smartStyleUrl: `${smart.origin}/ehr/smart-style.json`,
  });
  const url = new URL(client.launchUri);
  url.searchParams.set('iss', smart.issuer);
  url.searchParams.set('launch', id);
  res.redirect(303, url.toString());
}

/** The /ehr router (its sign-in under the practice's sign-in limits). */
export function ehrRouter(smart: SmartAccess, services: FhirServices, limits: SignInLimits): Router {
  const router = express.Router();
  const views = new Views(EHR_VIEWS);
  const authViews = new Views(AUTH_VIEWS);
  const pp = practicePassport(smart, limits);
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const base = `${smart.origin}/ehr`;
  router.get(
    '/',
    wrap((req, res) => home(smart, services, { ehr: views, auth: authViews }, req, res)),
  );
  router.post(
    '/login',
    form,
    localLogin(
      pp,
      smart,
      (_req, res, status, error) => loginPage(smart, authViews, res, status, error),
      async (_req, res) => res.redirect(303, base),
    ),
  );
  router.post('/logout', (_req, res) => {
    smart.sessions.clear(res);
    res.redirect(303, base);
  });
  router.post(
    '/launch',
    form,
    wrap((req, res) => launch(smart, services, req, res)),
  );
  router.get('/smart-style.json', (_req, res) => {
    res.set('cache-control', 'public, max-age=3600').json(SMART_STYLE);
  });
  router.get('/callback', (req, res) => {
    const q = (k: string) =>
      typeof req.query[k] === 'string' ? (req.query[k] as string).slice(0, 500) : undefined;
    views.render(res, 200, 'callback', {
      title: 'Authorization response',
      code: q('code'),
      state: q('state'),
      error: q('error'),
      errorDescription: q('error_description'),
    });
  });
  return router;
}
