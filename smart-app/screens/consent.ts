/**
 * Consent: the CCM consent in force and its history, a form to record a new one (verbal, or written with
 * the signed document uploaded; the checklist of what was explained; accepted or declined; the billing
 * practitioner), and revocation, effective at the end of the month in which it is made (ccm-rules.md gate
 * 1). Each is a Consent under ccm-consent, shaped as the billing engine reads it (server/ccm/engine/consent.ts).
 */
import type { Request, Response } from 'express';
import type { Attachment, Consent, Practitioner } from 'fhir/r4.js';
import { isCcmConsent } from '../../server/ccm/engine/extract.js';
import { CONSENT_ELEMENT, EXTENSION } from '../../server/ccm/vocabulary.js';
import type { MountScreen, ScreenDeps } from '../context.js';
import {
  consentResource,
  localInputValue,
  parseLocalInput,
  revokedConsent,
  type ConsentInput,
} from '../ccm/resources.js';
import { writeRecorded } from '../ccm/recorded-write.js';
import { field, fields, formRefusal, SKEW_MS, writeErrorView, type WriteErrorView } from './write-errors.js';

/** The four things the patient must be told (CMS), with the words the checklist shows. */
export const ELEMENTS = [
  { code: CONSENT_ELEMENT.serviceAvailable, label: 'The CCM service is available to them' },
  { code: CONSENT_ELEMENT.costSharing, label: 'Cost sharing (co-insurance, deductible) may apply' },
  { code: CONSENT_ELEMENT.onePractitioner, label: 'Only one practitioner can bill CCM for them each month' },
  {
    code: CONSENT_ELEMENT.stopAnyTime,
    label: 'They may stop at any time, effective at the end of that month',
  },
];

const UPLOAD_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg']);

/** The form's values (kept when a write is refused). */
interface ConsentForm {
  method: string;
  elements: string[];
  decision: string;
  practitioner: string;
  /** When consent was obtained (`datetime-local`, practice time); documented later than obtained is common. */
  obtained: string;
}

/** A consent as the screen lists it. */
function summary(c: Consent) {
  const method = c.extension?.find((e) => e.url === EXTENSION.consentMethod)?.valueCode;
  const elements = (c.extension ?? [])
    .filter((e) => e.url === EXTENSION.consentElementExplained)
    .map((e) => ELEMENTS.find((x) => x.code === e.valueCoding?.code)?.label ?? e.valueCoding?.code);
  const status =
    c.status === 'active'
      ? 'accepted'
      : c.status === 'rejected'
        ? 'declined'
        : c.status === 'inactive'
          ? 'revoked'
          : c.status;
  return {
    id: c.id,
    status,
    active: c.status === 'active',
    method,
    date: c.dateTime?.slice(0, 10),
    practitioner: c.provision?.actor?.[0]?.reference?.reference,
    elements,
    revokedUntil: c.status === 'inactive' ? c.provision?.period?.end : undefined,
    revokedOn: c.extension?.find((e) => e.url === EXTENSION.consentRevoked)?.valueDateTime?.slice(0, 10),
    document: c.sourceAttachment?.title,
  };
}

/** The practitioners the billing practitioner is chosen from (the signed-in user when none can be listed). */
async function practitioners(deps: ScreenDeps, req: Request) {
  const me = deps.launch(req).fhirUser;
  const listed = await deps
    .fhir(req)
    .search<Practitioner>('Practitioner', { _count: '100' }, 100)
    .catch(() => [] as Practitioner[]);
  const out = listed.map((p) => {
    const n = p.name?.[0];
    return {
      ref: `Practitioner/${p.id}`,
      label: n
        ? (n.text ?? [...(n.prefix ?? []), ...(n.given ?? []), n.family].join(' '))
        : `Practitioner/${p.id}`,
    };
  });
  if (me?.startsWith('Practitioner/') && !out.some((p) => p.ref === me)) out.unshift({ ref: me, label: me });
  return out;
}

/** Renders the screen, with a refused write and the kept input when given. */
async function show(
  deps: ScreenDeps,
  req: Request,
  res: Response,
  failed?: { error: WriteErrorView; form: ConsentForm },
) {
  const ctx = deps.launch(req);
  const all = (await deps.fhir(req).search<Consent>('Consent', { patient: ctx.patientId, _count: '100' }))
    .filter(isCcmConsent)
    .sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''));
  const form: ConsentForm = failed?.form ?? {
    method: 'verbal',
    elements: [],
    decision: 'accepted',
    practitioner: ctx.fhirUser?.startsWith('Practitioner/') ? ctx.fhirUser : '',
    obtained: localInputValue(deps.now().getTime(), deps.timeZone),
  };
  const people = await practitioners(deps, req);
  const current = all[0] ? summary(all[0]) : undefined;
  if (current?.practitioner)
    current.practitioner = people.find((p) => p.ref === current.practitioner)?.label ?? current.practitioner;
  await deps.render(req, res, 'consent', {
    title: 'Consent',
    status: failed ? 422 : 200,
    current,
    history: all.slice(1).map(summary),
    elements: ELEMENTS.map((e) => ({ ...e, checked: form.elements.includes(e.code) })),
    practitioners: people.map((p) => ({
      ...p,
      selected: p.ref === form.practitioner,
    })),
    form,
    writeError: failed?.error,
  });
}

/** The uploaded signed document as an Attachment, or a refusal naming the problem. */
function documentOf(req: Request): Attachment | undefined {
  const file = (req as Request & { file?: { mimetype: string; buffer: Buffer; originalname: string } }).file;
  if (!file || file.buffer.length === 0) return undefined;
  if (!UPLOAD_TYPES.has(file.mimetype)) {
    throw formRefusal('The signed consent must be a PDF, PNG or JPEG file.');
  }
  return {
    contentType: file.mimetype,
    data: file.buffer.toString('base64'),
    title: file.originalname.slice(0, 200),
    size: file.buffer.length,
  };
}

/** When consent was obtained: the form's value (not in the future), or now when the form has none. */
function obtainedAt(deps: ScreenDeps, value: string): number {
  const now = deps.now().getTime();
  if (value.trim() === '') return now;
  const at = parseLocalInput(value, deps.timeZone);
  if (Number.isNaN(at)) throw formRefusal('Enter when consent was obtained as a date and time.');
  if (at > now + SKEW_MS) throw formRefusal('Consent cannot be recorded as obtained in the future.');
  return at;
}

/** POST /consent: records a consent (or a refusal), keeping the input when the server refuses it. */
async function record(deps: ScreenDeps, req: Request, res: Response) {
  const ctx = deps.launch(req);
  const form: ConsentForm = {
    method: field(req.body, 'method'),
    elements: fields(req.body, 'elements'),
    decision: field(req.body, 'decision'),
    practitioner: field(req.body, 'practitioner'),
    obtained: field(req.body, 'obtained'),
  };
  try {
    const input: ConsentInput = {
      patientId: ctx.patientId,
      method: form.method as ConsentInput['method'],
      elements: form.elements.filter((e) => ELEMENTS.some((x) => x.code === e)),
      decision: form.decision === 'declined' ? 'declined' : 'accepted',
      practitioner: form.practitioner,
      at: obtainedAt(deps, form.obtained),
      document: documentOf(req),
    };
    await writeRecorded(deps.fhir(req), {
      resource: consentResource(input, deps.timeZone),
      who: ctx.fhirUser,
      ...(ctx.twoServers ? { patient: `Patient/${ctx.patientId}` } : {}),
      now: deps.now(),
      reason: `CCM consent ${input.decision}`,
    });
    deps.flash(req, { kind: 'success', text: `Consent recorded: ${input.decision}.` });
    res.redirect(303, `/app/p/${ctx.key}/consent`);
  } catch (err) {
    await show(deps, req, res, { error: writeErrorView(err), form });
  }
}

/**
 * POST /consent/:id/revoke: the revocation is recorded as its own dated fact on the consent (its date of
 * consent unchanged); the consent becomes inactive at the end of this month (ccm-rules.md gate 1).
 */
async function revoke(deps: ScreenDeps, req: Request, res: Response) {
  const ctx = deps.launch(req);
  const api = deps.fhir(req);
  try {
    const current = await api.read<Consent>('Consent', String(req.params.id).slice(0, 64));
    if (current.patient?.reference !== `Patient/${ctx.patientId}`)
      throw new Error('consent of another patient');
    const revoked = revokedConsent(current, deps.now().getTime(), deps.timeZone);
    await writeRecorded(api, {
      resource: revoked,
      versionId: current.meta?.versionId,
      who: ctx.fhirUser,
      ...(ctx.twoServers ? { patient: `Patient/${ctx.patientId}` } : {}),
      now: deps.now(),
      reason: 'CCM consent revoked',
    });
    deps.flash(req, {
      kind: 'success',
      text: `Consent revoked, effective ${revoked.provision?.period?.end}.`,
    });
    res.redirect(303, `/app/p/${ctx.key}/consent`);
  } catch (err) {
    const blank = {
      method: 'verbal',
      elements: [],
      decision: 'accepted',
      practitioner: '',
      obtained: localInputValue(deps.now().getTime(), deps.timeZone),
    };
    await show(deps, req, res, { error: writeErrorView(err), form: blank });
  }
}

/** Mounts `/consent`, `POST /consent` and `POST /consent/:id/revoke`. */
export const mountConsent: MountScreen = (router, deps) => {
  router.get('/consent', (req, res, next) => show(deps, req, res).catch(next));
  router.post('/consent', (req, res, next) => record(deps, req, res).catch(next));
  router.post('/consent/:id/revoke', (req, res, next) => revoke(deps, req, res).catch(next));
};
