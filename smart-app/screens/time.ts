/**
 * Time: a start/stop timer kept on the server per launch (it survives reloads and navigation; a static
 * script only shows the running clock), manual entries with start and end, the activity and the role, the
 * entries of the month, the month summary (`$ccm-month-summary` when offered, else the engine in the app)
 * and the progress toward the next threshold from the billing rules data. Each entry is an Encounter under
 * ccm-time-entry.
 */
import type { Request, Response } from 'express';
import type { Condition, Parameters } from 'fhir/r4.js';
import { timeEntryRecord } from '../../server/ccm/engine/extract.js';
import { monthOf, monthRange, parseMonth } from '../../server/ccm/time/zone.js';
import { ACTIVITY, TIME_ROLE } from '../../server/ccm/vocabulary.js';
import { FhirWriteError, type MountScreen, type ScreenDeps } from '../context.js';
import {
  buildRecord,
  loadPatientResources,
  localMonth,
  type PatientResources,
} from '../ccm/patient-record.js';
import { localDateTime, parseLocalInput, timeEntryResource, type TimeInput } from '../ccm/resources.js';
import { writeRecorded } from '../ccm/recorded-write.js';
import { duration, monthFromEngine, monthFromParameters, progressOf } from '../ccm/view-model.js';
import { field, fields, formRefusal, SKEW_MS, writeErrorView, type WriteErrorView } from './write-errors.js';

const TIMER = 'time.timer';
const label = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/-/g, ' ');
const ROLES = [TIME_ROLE.clinicalStaff, TIME_ROLE.billingPractitioner];

/** The running timer of a launch. */
interface Timer {
  startedAt: number;
  activity: string;
  role: string;
}

/** The manual entry form's values (kept when refused). */
interface EntryForm {
  start: string;
  end: string;
  activity: string;
  role: string;
  conditions: string[];
}

/** `HH:MM:SS` of a number of seconds. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** The month shown: `?month=YYYY-MM` or the current month in the practice zone. */
function monthOfRequest(deps: ScreenDeps, req: Request): string {
  const q = typeof req.query.month === 'string' ? req.query.month : '';
  return parseMonth(q) ? q : monthOf(deps.now().getTime(), deps.timeZone);
}

/** The time entries of a month, oldest first, as the table shows them, and their total seconds. */
function monthEntries(resources: PatientResources, month: string, tz: string) {
  const range = monthRange(month, tz);
  const found = resources.encounters
    .flatMap((e) => {
      const r = timeEntryRecord(e, tz);
      return r && r.start !== undefined && r.start >= range.start && r.start < range.end ? [{ e, r }] : [];
    })
    .sort((x, y) => (x.r.start as number) - (y.r.start as number));
  const rows = found.map(({ e, r }) => ({
    id: e.id,
    date: e.period?.start?.slice(0, 10),
    from: e.period?.start?.slice(11, 16),
    to: e.period?.end?.slice(11, 16),
    length: clock(r.seconds),
    activity: label(e.type?.[0]?.coding?.[0]?.code ?? ''),
    role: label(r.role ?? ''),
    who: r.individual,
  }));
  return { rows, seconds: found.reduce((sum, x) => sum + x.r.seconds, 0) };
}

/** The running timer as the page shows it. */
function timerView(timer: Timer | undefined, now: number, tz: string) {
  return (
    timer && {
      ...timer,
      startedAtIso: new Date(timer.startedAt).toISOString(),
      startedLocal: localDateTime(timer.startedAt, tz).slice(11, 16),
      elapsed: clock((now - timer.startedAt) / 1000),
      activityLabel: label(timer.activity),
      roleLabel: label(timer.role),
    }
  );
}

/** The form's choices (activities, roles, active conditions), with the kept input selected. */
function formChoices(resources: PatientResources, form: EntryForm) {
  const active = resources.conditions.filter(
    (c: Condition) => c.clinicalStatus?.coding?.[0]?.code === 'active',
  );
  return {
    activities: ACTIVITY.map((code) => ({ code, label: label(code), selected: code === form.activity })),
    roles: ROLES.map((code) => ({ code, label: label(code), selected: code === form.role })),
    conditions: active.map((c) => ({
      ref: `Condition/${c.id}`,
      id: c.id,
      name: c.code?.text ?? c.code?.coding?.[0]?.display ?? c.id,
      checked: form.conditions.includes(`Condition/${c.id}`),
    })),
  };
}

const BLANK: EntryForm = {
  start: '',
  end: '',
  activity: 'phone-call',
  role: TIME_ROLE.clinicalStaff,
  conditions: [],
};

/** Renders the screen; `failed` keeps a refused entry's input. */
async function show(
  deps: ScreenDeps,
  req: Request,
  res: Response,
  failed?: { error: WriteErrorView; form?: EntryForm },
) {
  const ctx = deps.launch(req);
  const api = deps.fhir(req);
  const tz = deps.timeZone;
  const month = monthOfRequest(deps, req);
  const resources = await loadPatientResources(api, ctx.patientId);
  const entries = monthEntries(resources, month, tz);
  const offered = await api.operation<Parameters>(
    `Patient/${ctx.patientId}/$ccm-month-summary?month=${month}`,
  );
  const summary = offered
    ? monthFromParameters(offered)
    : monthFromEngine(localMonth(buildRecord(ctx.patientId, resources, tz), tz, month));
  const timer = deps.state(req).get(TIMER) as Timer | undefined;
  const form = failed?.form ?? BLANK;
  await deps.render(req, res, 'time', {
    title: 'Time',
    status: failed ? 422 : 200,
    timerScript: Boolean(timer),
    month,
    timer: timerView(timer, deps.now().getTime(), tz),
    ...formChoices(resources, form),
    entries: entries.rows,
    loggedMinutes: duration(entries.seconds),
    summary,
    countedMinutes: duration(summary.countedSeconds),
    progress: progressOf(month, summary.countedSeconds, summary.familyId),
    form,
    writeError: failed?.error,
  });
}

/** The practitioner reference the entry is recorded for (the signed-in user). */
function practitionerOf(deps: ScreenDeps, req: Request): string {
  const who = deps.launch(req).fhirUser;
  if (who && /^(Practitioner|PractitionerRole)\//.test(who)) return who;
  throw new FhirWriteError(403, {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'forbidden',
        diagnostics: 'Time is recorded for a practitioner: sign in to the EHR as a practitioner.',
      },
    ],
  });
}

/** Writes one entry. */
async function save(deps: ScreenDeps, req: Request, input: Omit<TimeInput, 'patientId' | 'practitioner'>) {
  const ctx = deps.launch(req);
  const entry = timeEntryResource(
    { ...input, patientId: ctx.patientId, practitioner: practitionerOf(deps, req) },
    deps.timeZone,
  );
  await writeRecorded(deps.fhir(req), {
    resource: entry,
    who: ctx.fhirUser,
    ...(ctx.twoServers ? { patient: `Patient/${ctx.patientId}` } : {}),
    now: deps.now(),
    reason: 'CCM time entry',
  });
  deps.flash(req, {
    kind: 'success',
    text: `Time entry saved: ${duration(Math.floor((input.end - input.start) / 1000))}.`,
  });
}

/** Valid activity and role codes from a form (or the first of each). */
function codes(body: unknown) {
  const activity = field(body, 'activity');
  const role = field(body, 'role');
  return {
    activity: (ACTIVITY as readonly string[]).includes(activity) ? activity : 'other',
    role: (ROLES as string[]).includes(role) ? role : TIME_ROLE.clinicalStaff,
  };
}

/** POST /time/start, /time/stop, /time/discard and /time/entries. */
function handlers(deps: ScreenDeps) {
  const back = (req: Request, res: Response) => res.redirect(303, `/app/p/${deps.launch(req).key}/time`);
  return {
    start(req: Request, res: Response) {
      const store = deps.state(req);
      if (!store.has(TIMER)) store.set(TIMER, { startedAt: deps.now().getTime(), ...codes(req.body) });
      back(req, res);
    },
    discard(req: Request, res: Response) {
      deps.state(req).delete(TIMER);
      deps.flash(req, { kind: 'success', text: 'Timer discarded; nothing was saved.' });
      back(req, res);
    },
    async stop(req: Request, res: Response) {
      const timer = deps.state(req).get(TIMER) as Timer | undefined;
      if (!timer) return back(req, res);
      try {
        await save(deps, req, {
          ...timer,
          end: deps.now().getTime(),
          start: timer.startedAt,
          conditions: fields(req.body, 'conditions'),
        });
        deps.state(req).delete(TIMER);
        back(req, res);
      } catch (err) {
        await show(deps, req, res, { error: writeErrorView(err) });
      }
    },
    async manual(req: Request, res: Response) {
      const form: EntryForm = {
        start: field(req.body, 'start'),
        end: field(req.body, 'end'),
        ...codes(req.body),
        conditions: fields(req.body, 'conditions'),
      };
      try {
        const start = parseLocalInput(form.start, deps.timeZone);
        const end = parseLocalInput(form.end, deps.timeZone);
        if (Number.isNaN(start) || Number.isNaN(end)) {
          throw formRefusal('Enter the start and the end as a date and time.', 'required');
        }
        if (end > deps.now().getTime() + SKEW_MS) {
          throw formRefusal('The end is in the future: time can only be logged once it has been spent.');
        }
        await save(deps, req, { ...form, start, end });
        back(req, res);
      } catch (err) {
        await show(deps, req, res, { error: writeErrorView(err), form });
      }
    },
  };
}

/** Mounts `/time` and its forms. */
export const mountTime: MountScreen = (router, deps) => {
  const h = handlers(deps);
  router.get('/time', (req, res, next) => show(deps, req, res).catch(next));
  router.post('/time/start', h.start);
  router.post('/time/discard', h.discard);
  router.post('/time/stop', (req, res, next) => h.stop(req, res).catch(next));
  router.post('/time/entries', (req, res, next) => h.manual(req, res).catch(next));
};
