/**
 * What the user sees when a FHIR server fails mid-session (#18 "Failure modes"): which server (the EHR, or
 * ccm-fhir where the CCM record is kept), what happened (unreachable, sign-in expired, access not granted,
 * refused), and what to do. A page answering a form keeps the user's input: the posted fields are listed
 * and carried in a "Try again" form that posts them again (a file upload must be chosen again). Nothing
 * was written: every save is one request to ccm-fhir (one transaction when it has several resources).
 */
import type { Request } from 'express';
import { FhirWriteError } from './context.js';
import { FhirReadError, type ServerRole } from './fhir-api.js';
import type { ErrorPage } from './views.js';

/** A posted field carried by the "Try again" form. */
export interface KeptField {
  name: string;
  value: string;
}

/** An error page with the user's input kept. */
export interface FailurePage extends ErrorPage {
  /** The form to post the input again (same URL, same fields), when the failure may pass. */
  retry?: { action: string; fields: KeptField[] };
  /** The input as the user typed it (for copying when a new launch is needed). */
  kept?: KeptField[];
}

/** The names of the two servers, as the pages say them. */
const NAME: Record<ServerRole, string> = { ehr: 'The EHR', ccm: 'ccm-fhir (the CCM record)' };

/** The page of an EHR or ccm-fhir failure; undefined for other errors. */
export function fhirFailurePage(err: unknown): ErrorPage | undefined {
  if (!(err instanceof FhirReadError) && !(err instanceof FhirWriteError)) return undefined;
  const status = err.status;
  const server = err instanceof FhirReadError ? err.server : err.server;
  const detail = err.message.slice(0, 500);
  if (!server) return oneServerPage(status, detail);
  const who = NAME[server];
  if (status === 0)
    return {
      status: 503,
      title: server === 'ehr' ? 'The EHR could not be reached' : 'ccm-fhir could not be reached',
      message: `${who} did not answer, so the app could not complete this step. Nothing was saved.`,
      hint: 'Try again in a moment; your input is kept below.',
    };
  if (status === 401)
    return {
      status: 401,
      title: server === 'ehr' ? 'Your EHR sign-in has expired' : 'Your ccm-fhir access has expired',
      message: `${who} no longer accepts this launch of the app, and it could not be renewed. Nothing was saved.`,
      hint: 'Open the app again from the patient chart in your EHR; your input is listed below to copy.',
    };
  if (status === 403)
    return {
      status: 403,
      title: server === 'ehr' ? 'The EHR did not grant the app this access' : 'ccm-fhir refused this access',
      message: `${who} refused the request (403): ${detail}`,
      hint:
        server === 'ehr'
          ? 'The app needs read access to the chart (the scopes it is registered for); ask your EHR administrator.'
          : "Ask your administrator to check the app's registration at ccm-fhir.",
    };
  return {
    status: 502,
    title: `${server === 'ehr' ? 'The EHR' : 'ccm-fhir'} did not answer as expected`,
    message: `${who} answered ${status}: ${detail}`,
    hint: 'Try again in a moment; your input is kept below.',
  };
}

/** The page when the one server that launched the app failed (as before two servers). */
function oneServerPage(status: number, detail: string): ErrorPage {
  const expired = status === 401;
  return {
    status: expired ? 401 : 502,
    title: expired ? 'Your access has expired' : 'The FHIR server did not answer as expected',
    message: expired
      ? 'The EHR no longer accepts this launch of the app.'
      : status === 0
        ? 'The FHIR server could not be reached.'
        : `The FHIR server answered ${status}: ${detail}`,
    hint: expired ? 'Open the app again from the patient chart in your EHR.' : 'Try again in a moment.',
  };
}

/** The posted fields of a form request (the CSRF token included, so "Try again" passes the check). */
function postedFields(req: Request): KeptField[] {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: KeptField[] = [];
  for (const [name, v] of Object.entries(body)) {
    for (const value of Array.isArray(v) ? v : [v])
      if (typeof value === 'string') out.push({ name: name.slice(0, 100), value: value.slice(0, 4000) });
  }
  return out.slice(0, 200);
}

/** The page with the request's input kept, when the request was a form post of a launch. */
export function withKeptInput(req: Request, page: ErrorPage): FailurePage {
  if (req.method !== 'POST' || !req.originalUrl.startsWith('/app/p/')) return page;
  const fields = postedFields(req);
  if (fields.length === 0) return page;
  const kept = fields.filter((f) => f.name !== '_csrf' && f.name !== 'csrfToken' && f.value !== '');
  const retryable = page.status === 503 || page.status === 502;
  return {
    ...page,
    kept,
    ...(retryable ? { retry: { action: req.originalUrl.split('?')[0], fields } } : {}),
  };
}
