/**
 * The launch-scoped part of the shell: finds the launch of `/app/p/{key}/...` in the session, parses form
 * bodies (multipart only for uploads), checks the launch's CSRF token on every POST, and implements
 * ScreenDeps (render in the layout with banner, navigation, CSRF token and flash; FHIR access; state).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { Patient } from 'fhir/r4.js';
import type { FhirApi, ScreenDeps } from './context.js';
import { ccmTokens, ehrTokens, type Exchanger } from './ehr/tokens.js';
import { httpFhirApi, launchTokens } from './fhir-api.js';
import { sameSecret, type LaunchRecord, type PatientSummary, type SessionStore } from './sessions.js';
import { sendError, type AppViews } from './views.js';

const launches = new WeakMap<Request, LaunchRecord>();

/** The navigation of every launch page: label and path below `/app/p/{key}`. */
export const NAV = [
  { label: 'Conditions and eligibility', path: '/conditions' },
  { label: 'Consent', path: '/consent' },
  { label: 'Care plan', path: '/care-plan' },
  { label: 'Time', path: '/time' },
] as const;

/** Finds the request's launch; an unknown key or an expired session gets a 401 page. */
export function resolveLaunch(sessions: SessionStore, views: AppViews) {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = String((req.params as Record<string, string>).key ?? '');
    const record = sessions.find(req)?.launches.get(key);
    if (!record) {
      sendError(views, res, {
        status: 401,
        title: 'Your session has ended',
        message: 'This page belongs to a launch that has expired or was opened in another browser.',
        hint: 'Open the app again from the patient chart in your EHR.',
      });
      return;
    }
    launches.set(req, record);
    next();
  };
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 100 },
});
const urlencoded = express.urlencoded({ extended: false, limit: '256kb' });

/** Parses POST bodies: url-encoded forms, or multipart with one file field `document`. */
export function parseBodies(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST') return next();
  if (req.is('multipart/form-data')) {
    upload.single('document')(req, res, (err: unknown) => next(err));
    return;
  }
  urlencoded(req, res, next);
}

/** Refuses a POST whose `_csrf` field (or `x-csrf-token` header) is not this launch's token (403 page). */
export function checkCsrf(views: AppViews) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const record = launches.get(req) as LaunchRecord;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sent = body._csrf ?? body.csrfToken ?? req.get('x-csrf-token');
    if (typeof sent !== 'string' || !sameSecret(sent, record.csrf)) {
      sendError(views, res, {
        status: 403,
        title: 'The form has expired',
        message:
          'The form was not sent from this launch of the app (its security token did not match), so nothing was saved.',
        hint: 'Go back, reload the page and send the form again.',
      });
      return;
    }
    next();
  };
}

/** The launch of a request (set by resolveLaunch). */
export function recordOf(req: Request): LaunchRecord {
  const r = launches.get(req);
  if (!r) throw new Error('no launch for this request');
  return r;
}

/** The banner facts of a Patient. */
export function summarisePatient(p: Patient): PatientSummary {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  const name = n ? (n.text ?? [...(n.given ?? []), n.family ?? ''].join(' ').trim()) : '';
  const mrn = p.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR')) ?? p.identifier?.[0];
  return {
    name: name || `Patient ${p.id ?? ''}`.trim(),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    ...(mrn?.value ? { mrn: mrn.value } : {}),
  };
}

/** The launch's FHIR access: ccm-fhir (`fhir`) and the EHR (`ehr`); one server when ccm-fhir launched. */
function launchApis(record: LaunchRecord, exchange?: Exchanger): { fhir: FhirApi; ehr: FhirApi } {
  if (!record.ccm || !exchange) {
    const one = httpFhirApi(
      launchTokens({ get: () => record.client, set: (s) => (record.client = s), now: () => Date.now() }),
    );
    return { fhir: one, ehr: one };
  }
  return { fhir: httpFhirApi(ccmTokens(record, exchange)), ehr: httpFhirApi(ehrTokens(record)) };
}

/** Builds the ScreenDeps of the shell. */
export function screenDeps(
  views: AppViews,
  opts: { now: () => Date; timeZone: string; appPath: string; exchange?: Exchanger },
): ScreenDeps {
  const fhir = (req: Request): FhirApi => launchApis(recordOf(req), opts.exchange).fhir;
  return {
    launch: (req) => recordOf(req).context,
    fhir,
    ehr: (req) => launchApis(recordOf(req), opts.exchange).ehr,
    async render(req, res, view, data) {
      const record = recordOf(req);
      if (!record.patient) {
        record.patient = summarisePatient(await fhir(req).read<Patient>('Patient', record.context.patientId));
      }
      const base = `${opts.appPath}/p/${record.context.key}`;
      const here = req.originalUrl.split('?')[0];
      const flash = record.flash.splice(0);
      views.send(res, Number(data.status ?? res.statusCode ?? 200), view, {
        ...data,
        pageTitle: typeof data.title === 'string' ? data.title : 'CCM care manager',
        base,
        csrfToken: record.csrf,
        flash,
        staticBase: '/app/static',
        userName: record.context.userName,
        banner: record.context.needPatientBanner ? record.patient : undefined,
        patientLabel: record.patient.name,
        nav: NAV.map((n) => ({
          label: n.label,
          href: `${base}${n.path}`,
          current: here.startsWith(`${base}${n.path}`),
        })),
      });
    },
    flash: (req, f) => void recordOf(req).flash.push(f),
    state: (req) => recordOf(req).store,
    now: opts.now,
    timeZone: opts.timeZone,
  };
}
