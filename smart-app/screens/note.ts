/**
 * The monthly CCM summary note (#18 "Write-back"), on demand for any month: GET /time/note?month= shows it
 * (text to copy, a printable HTML page at /time/note.html), POST /time/note writes it. The note is always
 * kept in ccm-fhir (conditional create by its identifier, so sending the same note twice keeps one copy);
 * when another EHR launched the app and its configuration and token allow it (`LaunchContext.writeBack`),
 * it is also POSTed to the EHR, the only write the app makes there. Otherwise the page offers it for
 * copy or print.
 */
import type { Request, Response } from 'express';
import type { CarePlan, Consent, Parameters, Patient, Practitioner } from 'fhir/r4.js';
import { isCcmConsent, timeEntryRecord } from '../../server/ccm/engine/extract.js';
import { monthOf, monthRange, parseMonth } from '../../server/ccm/time/zone.js';
import { CATEGORY, CS, EXTENSION } from '../../server/ccm/vocabulary.js';
import { FhirWriteError, type FhirApi, type MountScreen, type ScreenDeps } from '../context.js';
import {
  buildRecord,
  loadPatientResources,
  localMonth,
  type PatientResources,
} from '../ccm/patient-record.js';
import { localDateTime } from '../ccm/resources.js';
import { monthFromEngine, monthFromParameters, progressOf } from '../ccm/view-model.js';
import { nameOf } from '../care-plan/load.js';
import {
  noteDocument,
  noteHtml,
  noteIdentifier,
  noteText,
  type MinutesRow,
  type NoteFacts,
} from '../ehr/note.js';
import { field, writeErrorView } from './write-errors.js';

const label = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/-/g, ' ');

/** The month of a request (`month` in the query or the form), else the current practice month. */
function monthOfRequest(deps: ScreenDeps, req: Request): string {
  const q = typeof req.query.month === 'string' ? req.query.month : field(req.body, 'month');
  return parseMonth(q) ? q : monthOf(deps.now().getTime(), deps.timeZone);
}

/** Display names of person references, read from ccm-fhir (the reference itself when unreadable). */
async function names(api: FhirApi, refs: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    [...new Set(refs)].map(async (ref) => {
      const m = /^Practitioner\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
      const p = m ? await api.read<Practitioner>('Practitioner', m[1]).catch(() => undefined) : undefined;
      out.set(ref, nameOf(p?.name) ?? ref);
    }),
  );
  return out;
}

/** The consent status in words. */
function consentWords(consents: Consent[]): string {
  const c = consents
    .filter(isCcmConsent)
    .sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''))[0];
  if (!c) return 'No CCM consent recorded.';
  const method = c.extension?.find((e) => e.url === EXTENSION.consentMethod)?.valueCode;
  const on = c.dateTime?.slice(0, 10) ?? 'an unknown date';
  if (c.status === 'active') return `Accepted${method ? ` (${method})` : ''} on ${on}.`;
  if (c.status === 'rejected') return `Declined on ${on}.`;
  if (c.status === 'inactive') return `Revoked, effective ${c.provision?.period?.end ?? 'month end'}.`;
  return `${c.status} (${on}).`;
}

/** The practice-local date (YYYY-MM-DD) of a FHIR date or dateTime. */
function localDate(value: string | undefined, tz: string): string | undefined {
  if (!value || value.length <= 10) return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value.slice(0, 10) : localDateTime(t, tz).slice(0, 10);
}

/** What changed in the CCM care plan during the month (established, revised, copy given), in practice dates. */
function planChanges(plans: CarePlan[], month: string, tz: string): string[] {
  const inMonth = (d: string | undefined) => Boolean(localDate(d, tz)?.startsWith(`${month}-`));
  const day = (d: string | undefined) => localDate(d, tz);
  const out: string[] = [];
  const ccm = plans.filter((p) =>
    p.category?.some((c) => c.coding?.some((x) => x.system === CS.category && x.code === CATEGORY.carePlan)),
  );
  for (const p of ccm) {
    if (inMonth(p.created)) out.push(`Care plan established on ${day(p.created)}.`);
    for (const e of p.extension ?? []) {
      if (e.url === EXTENSION.substantialRevision && inMonth(e.valueDateTime) && !inMonth(p.created))
        out.push(`Care plan substantially revised on ${day(e.valueDateTime)}.`);
      if (e.url === EXTENSION.patientCopy) {
        const date = e.extension?.find((x) => x.url === 'date')?.valueDateTime;
        const method = e.extension?.find((x) => x.url === 'method')?.valueCode;
        if (inMonth(date))
          out.push(`Copy given to the patient on ${day(date)}${method ? ` (${method})` : ''}.`);
      }
    }
  }
  return out;
}

/** The minutes of the month's time entries, with the people's names. */
async function minutesRows(
  api: FhirApi,
  r: PatientResources,
  month: string,
  tz: string,
): Promise<MinutesRow[]> {
  const range = monthRange(month, tz);
  const entries = r.encounters.flatMap((e) => {
    const t = timeEntryRecord(e, tz);
    return t && t.start !== undefined && t.start >= range.start && t.start < range.end ? [t] : [];
  });
  const who = await names(
    api,
    entries.flatMap((e) => (e.individual ? [e.individual] : [])),
  );
  return entries.map((e) => ({
    who: (e.individual && who.get(e.individual)) ?? 'Unknown',
    activity: label(e.activity ?? 'other'),
    seconds: e.seconds,
  }));
}

/** Everything the note of a month says, read from ccm-fhir. */
async function factsOf(deps: ScreenDeps, req: Request, month: string): Promise<NoteFacts> {
  const ctx = deps.launch(req);
  const api = deps.fhir(req);
  const tz = deps.timeZone;
  const [resources, patient] = await Promise.all([
    loadPatientResources(api, ctx.patientId),
    api.read<Patient>('Patient', ctx.patientId),
  ]);
  const offered = await api.operation<Parameters>(
    `Patient/${ctx.patientId}/$ccm-month-summary?month=${month}`,
  );
  const summary = offered
    ? monthFromParameters(offered)
    : monthFromEngine(localMonth(buildRecord(ctx.patientId, resources, tz), tz, month));
  const progress = progressOf(month, summary.countedSeconds, summary.familyId);
  return {
    month,
    patientName: nameOf(patient.name) ?? `Patient ${ctx.patientId}`,
    rows: await minutesRows(api, resources, month, tz),
    countedSeconds: summary.countedSeconds,
    codes: summary.lines.map((l) => (l.units > 1 ? `${l.code} x${l.units}` : l.code)),
    progress: progress ? [progress.toward, ...progress.reached].join('; ') : undefined,
    consent: consentWords(resources.consents),
    planChanges: planChanges(resources.carePlans, month, tz),
    gaps: summary.lines.length ? [] : summary.gates.filter((g) => !g.passed).map((g) => g.name),
    author: ctx.userName ?? ctx.fhirUser ?? 'the care team',
    written: localDateTime(deps.now().getTime(), tz).slice(0, 16).replace('T', ' '),
  };
}

/** Where the note can go for this launch, in words for the page. */
function destination(deps: ScreenDeps, req: Request): { toEhr: boolean; why?: string } {
  const ctx = deps.launch(req);
  if (!ctx.twoServers) return { toEhr: false };
  return ctx.writeBack?.allowed ? { toEhr: true } : { toEhr: false, why: ctx.writeBack?.why };
}

/** GET /time/note: the note of the month, with what sending it will do. */
async function show(deps: ScreenDeps, req: Request, res: Response) {
  const month = monthOfRequest(deps, req);
  const facts = await factsOf(deps, req, month);
  await deps.render(req, res, 'note', {
    title: `CCM summary note ${month}`,
    month,
    text: noteText(facts),
    ...destination(deps, req),
    twoServers: deps.launch(req).twoServers,
  });
}

/** GET /time/note.html: the note as a printable HTML page. */
async function printable(deps: ScreenDeps, req: Request, res: Response) {
  const facts = await factsOf(deps, req, monthOfRequest(deps, req));
  res.status(200).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.send(noteHtml(facts));
}

/** The note of a month, ready for either server (each adds its own subject and author). */
async function noteOf(deps: ScreenDeps, req: Request, month: string) {
  const facts = await factsOf(deps, req, month);
  const text = noteText(facts);
  const range = monthRange(month, deps.timeZone);
  return {
    text,
    html: noteHtml(facts),
    month,
    identifier: noteIdentifier(deps.launch(req).patientId, month, text),
    period: { start: new Date(range.start).toISOString(), end: new Date(range.end - 1000).toISOString() },
    now: deps.now(),
  };
}

/** Keeps the note in ccm-fhir: a conditional create by its identifier (the same note is kept once). */
async function keep(deps: ScreenDeps, req: Request, note: Awaited<ReturnType<typeof noteOf>>): Promise<void> {
  const ctx = deps.launch(req);
  const resource = noteDocument({ ...note, subject: `Patient/${ctx.patientId}`, author: ctx.fhirUser });
  const { system, value } = note.identifier;
  await deps.fhir(req).transaction({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource,
        request: {
          method: 'POST',
          url: 'DocumentReference',
          ifNoneExist: `identifier=${encodeURIComponent(`${system}|${value}`)}`,
        },
      },
    ],
  });
}

/** Sends the note to the EHR (its own patient and user); the flash says how it went. */
async function sendToEhr(deps: ScreenDeps, req: Request, note: Awaited<ReturnType<typeof noteOf>>) {
  const ctx = deps.launch(req);
  const forEhr = noteDocument({ ...note, subject: `Patient/${ctx.ehrPatientId}`, author: ctx.ehrFhirUser });
  try {
    await deps.ehr(req).create(forEhr);
    deps.flash(req, { kind: 'success', text: 'Note kept in ccm-fhir and sent to the EHR.' });
  } catch (err) {
    if (!(err instanceof FhirWriteError)) throw err;
    const why = err.status === 0 ? 'the EHR could not be reached' : `the EHR refused it (${err.status})`;
    deps.flash(req, {
      kind: 'error',
      text: `Note kept in ccm-fhir, but not sent to the EHR: ${why}. Send it again later, or copy or print it below.`,
    });
  }
}

/** POST /time/note: keeps the note in ccm-fhir, and sends it to the EHR when allowed. */
async function send(deps: ScreenDeps, req: Request, res: Response) {
  const ctx = deps.launch(req);
  const month = monthOfRequest(deps, req);
  const note = await noteOf(deps, req, month);
  const back = `/app/p/${ctx.key}/time/note?month=${month}`;
  try {
    await keep(deps, req, note);
  } catch (err) {
    if (!(err instanceof FhirWriteError) || err.status === 0) throw err;
    const v = writeErrorView(err);
    deps.flash(req, { kind: 'error', text: `${v.title} ${v.issues.map((i) => i.text).join('; ')}` });
    return res.redirect(303, back);
  }
  const where = destination(deps, req);
  if (where.toEhr) await sendToEhr(deps, req, note);
  else
    deps.flash(req, {
      kind: 'success',
      text: ctx.twoServers
        ? `Note kept in ccm-fhir. It was not sent to the EHR (${where.why ?? 'not allowed'}): copy or print it below.`
        : 'Note kept in the CCM record.',
    });
  res.redirect(303, back);
}

/** Mounts `/time/note`, `/time/note.html` and `POST /time/note`. */
export const mountNote: MountScreen = (router, deps) => {
  router.get('/time/note', (req, res, next) => show(deps, req, res).catch(next));
  router.get('/time/note.html', (req, res, next) => printable(deps, req, res).catch(next));
  router.post('/time/note', (req, res, next) => send(deps, req, res).catch(next));
};
