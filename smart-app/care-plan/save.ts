/**
 * The writes of the care plan screen: create or revise the plan from the posted form (one transaction;
 * a revision updates the CarePlan with If-Match and records a Provenance targeting the new version), and
 * record the patient-copy hand-over (an If-Match update adding EXTENSION.patientCopy). A refusal by the
 * FHIR server comes back as its OperationOutcome with the user's input, never as an exception.
 */
import type { Request } from 'express';
import type { Bundle, CarePlan, OperationOutcome } from 'fhir/r4.js';
import { PATIENT_COPY_METHOD } from '../../server/ccm/vocabulary.js';
import { FhirWriteError, type FhirApi, type ScreenDeps } from '../context.js';
import {
  buildCreateBundle,
  buildReviseBundle,
  reviseProvenance,
  withPatientCopy,
  type PlanContext,
} from './builder.js';
import { transactRecorded, writeRecorded } from '../ccm/recorded-write.js';
import { isDate, todayIn } from './dates.js';
import { checkDraft, draftFromForm, field, type FormBody } from './form.js';
import type { PlanData } from './load.js';
import type { PlanDraft } from './template-types.js';
import { allowedOwners } from './view-model.js';

/** The outcome of saving the plan. */
export type SaveResult =
  | { ok: true; message: string }
  | { ok: false; status: number; draft: PlanDraft; errors: string[]; outcome?: OperationOutcome };

/** The outcome of recording the hand-over. */
export type HandoverResult =
  | { ok: true; message: string }
  | { ok: false; status: number; method: string; date: string; errors: string[]; outcome?: OperationOutcome };

const VERSION_RE = /^[A-Za-z0-9\-.]{1,64}$/;

/** Sentences explaining a refusal, besides the server's issues. */
function refusalText(err: FhirWriteError): string[] {
  if (err.status === 412 || err.status === 409) {
    return [
      'Someone else changed this care plan since you opened it. Your input is kept below; reload the care plan to see the latest version before saving again.',
    ];
  }
  if (err.status === 0) return ['The FHIR server could not be reached; your input is kept below. Try again.'];
  return ['The FHIR server refused the care plan. Fix what it lists below and save again.'];
}

/** The builder context for this request. */
function planContext(deps: ScreenDeps, req: Request, data: PlanData): PlanContext {
  const launch = deps.launch(req);
  const user =
    launch.fhirUser && /^Practitioner(Role)?\//.test(launch.fhirUser) ? launch.fhirUser : data.author;
  return {
    patientId: data.patientId,
    now: deps.now(),
    today: todayIn(deps.now(), deps.timeZone),
    author: data.author,
    user,
    team: data.team,
    careTeam: data.stored?.plan.careTeam?.[0]?.reference,
    names: (k) => data.names.get(k) ?? k,
    medications: data.medications,
    provenanceNamesPatient: launch.twoServers,
  };
}

/** Form-level problems: the plan the form was opened on must still be the current one. */
function planProblems(body: FormBody, data: PlanData): string[] {
  const planId = field(body, 'plan-id');
  const version = field(body, 'version');
  const stored = data.stored?.plan.id;
  if (planId && planId !== stored)
    return ['This care plan is no longer the current one; reload the care plan.'];
  if (!planId && stored)
    return ['A care plan was created for this patient meanwhile; open it and revise it instead.'];
  if (planId && !VERSION_RE.test(version)) return ['The form lost the plan version; reload the care plan.'];
  return [];
}

/** Writes the Provenance of a revision after the transaction, when the server's versions are not numbers. */
async function provenanceAfter(
  api: FhirApi,
  ctx: PlanContext,
  response: Bundle,
  planId: string,
  previous: string,
  substantial: boolean,
) {
  const loc = response.entry
    ?.map((e) => e.response?.location ?? '')
    .find((l) => l.includes(`CarePlan/${planId}/_history/`));
  const version = loc ? /_history\/([^/]+)$/.exec(loc)?.[1] : undefined;
  if (version) await api.create(reviseProvenance(ctx, `CarePlan/${planId}`, version, previous, substantial));
}

/** Creates or revises the plan from the posted form. */
export async function savePlan(deps: ScreenDeps, req: Request, data: PlanData): Promise<SaveResult> {
  const body = (req.body ?? {}) as FormBody;
  const draft = draftFromForm(body);
  const today = todayIn(deps.now(), deps.timeZone);
  const rules = { today, conditions: new Set(data.problems.map((p) => p.id)), owners: allowedOwners(data) };
  const errors = [...planProblems(body, data), ...checkDraft(draft, rules)];
  if (errors.length) return { ok: false, status: 422, draft, errors };
  const ctx = planContext(deps, req, data);
  const api = deps.fhir(req);
  try {
    if (!data.stored) {
      await transactRecorded(api, buildCreateBundle(draft, ctx).bundle);
      return { ok: true, message: 'Care plan saved. Give the patient a copy and record the hand-over.' };
    }
    const version = field(body, 'version');
    const plan: CarePlan = { ...data.stored.plan, meta: { ...data.stored.plan.meta, versionId: version } };
    const built = buildReviseBundle(draft, ctx, { ...data.stored, plan });
    const response = await transactRecorded(api, built.bundle);
    if (!built.provenanceIncluded)
      await provenanceAfter(api, ctx, response, plan.id as string, version, draft.substantial);
    return {
      ok: true,
      message: draft.substantial ? 'Care plan substantially revised and saved.' : 'Care plan updated.',
    };
  } catch (err) {
    if (!(err instanceof FhirWriteError)) throw err;
    return {
      ok: false,
      status: err.status >= 400 ? err.status : 502,
      draft,
      errors: refusalText(err),
      outcome: err.outcome,
    };
  }
}

/** Records that the patient was given a copy of the current plan. */
export async function saveHandover(deps: ScreenDeps, req: Request, data: PlanData): Promise<HandoverResult> {
  const body = (req.body ?? {}) as FormBody;
  const method = field(body, 'method');
  const date = field(body, 'date');
  const version = field(body, 'version');
  const today = todayIn(deps.now(), deps.timeZone);
  const errors: string[] = [];
  if (!(PATIENT_COPY_METHOD as readonly string[]).includes(method))
    errors.push('Choose how the copy was given.');
  if (!isDate(date)) errors.push('Enter the date the copy was given as YYYY-MM-DD.');
  else if (date > today) errors.push('The hand-over date cannot be in the future.');
  if (!VERSION_RE.test(version)) errors.push('The form lost the plan version; reload the care plan.');
  if (!data.stored) errors.push('There is no care plan yet: save one first.');
  if (errors.length || !data.stored) return { ok: false, status: 422, method, date, errors };
  const when = date === today ? deps.now().toISOString() : date;
  try {
    const launch = deps.launch(req);
    await writeRecorded(deps.fhir(req), {
      resource: withPatientCopy(data.stored.plan, method, when),
      versionId: version,
      who: launch.fhirUser,
      ...(launch.twoServers ? { patient: `Patient/${data.patientId}` } : {}),
      now: deps.now(),
      reason: 'CCM care plan copy given to the patient',
    });
    return { ok: true, message: `Hand-over recorded: the patient was given a copy on ${date}.` };
  } catch (err) {
    if (!(err instanceof FhirWriteError)) throw err;
    const status = err.status >= 400 ? err.status : 502;
    return { ok: false, status, method, date, errors: refusalText(err), outcome: err.outcome };
  }
}
