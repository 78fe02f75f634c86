/**
 * The pure care plan builder: a checked plan draft plus the patient's context → a transaction Bundle
 * (R4 http.html#transaction) that creates the ccm-careplan CarePlan with its Goals, ccm-task Tasks (basedOn the
 * plan, the owner being the responsible person), CareTeam and a Provenance; or, for a revision, updates the
 * plan with If-Match (a new version), updates/creates/cancels its Goals and Tasks and records a Provenance
 * targeting the new version. Also the patient-copy hand-over (EXTENSION.patientCopy).
 */
import { randomUUID } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  CarePlan,
  CarePlanActivity,
  Extension,
  Goal,
  MedicationRequest,
  MedicationStatement,
  Reference,
  Resource,
  Task,
} from 'fhir/r4.js';
import { CATEGORY, CS, EXTENSION, PROFILE } from '../../server/ccm/vocabulary.js';
import { REVIEW_NOTE, taskKind, type TaskKind } from './draft.js';
import { planNarrative } from './narrative.js';
import {
  cancelledGoal,
  cancelledTask,
  careTeamResource,
  goalResource,
  provenanceResource,
  taskResource,
  type TaskContext,
  type TeamMember,
} from './resources.js';
import type { ActionDraft, PlanDraft } from './template-types.js';

/** What the builder needs to know besides the draft. */
export interface PlanContext {
  patientId: string;
  now: Date;
  /** Today in the practice time zone (YYYY-MM-DD). */
  today: string;
  /** The billing practitioner (CarePlan.author). */
  author: string;
  /** The signed-in user who writes the plan (Provenance agent). */
  user: string;
  team: TeamMember[];
  /** The plan's CareTeam when one exists already. */
  careTeam?: string;
  /** Display name of a Condition id or a person reference. */
  names: (key: string) => string;
  medications: Array<MedicationRequest | MedicationStatement>;
  /** Id generator for urn:uuid fullUrls (tests may fix it). */
  newId?: () => string;
  /** Name the patient as a Provenance target (a patient-confined token: launched by another EHR). */
  provenanceNamesPatient?: boolean;
}

/** The stored plan a revision starts from. */
export interface StoredPlan {
  plan: CarePlan;
  goals: Goal[];
  tasks: Task[];
}

/** A built transaction and whether its Provenance is inside it. */
export interface BuiltBundle {
  bundle: Bundle;
  /** False when the server's version ids are not numbers: write the Provenance after the transaction. */
  provenanceIncluded: boolean;
}

const urn = (ctx: PlanContext) => `urn:uuid:${(ctx.newId ?? randomUUID)()}`;

/** A POST entry under a new urn:uuid. */
function post(resource: Resource, fullUrl: string): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
}

/** A PUT entry of a resource with an id, with If-Match when a version is given. */
function put(resource: Resource, ctx: PlanContext, version?: string): BundleEntry {
  return {
    fullUrl: urn(ctx),
    resource,
    request: {
      method: 'PUT',
      url: `${resource.resourceType}/${resource.id}`,
      ...(version ? { ifMatch: `W/"${version}"` } : {}),
    },
  };
}

/** The draft rows of each Task kind, the review task included. */
function taskRows(d: PlanDraft, ctx: PlanContext, reviewId?: string): Array<[ActionDraft, TaskKind]> {
  const review: ActionDraft = {
    ...(reviewId ? { id: reviewId } : {}),
    text: `Review the care plan with the patient (${d.reviewSchedule || 'as needed'})`,
    owner: ctx.author,
    due: d.nextReview,
  };
  return [
    ...d.symptoms.map((a): [ActionDraft, TaskKind] => [a, 'symptom']),
    ...d.interventions.map((a): [ActionDraft, TaskKind] => [a, 'intervention']),
    ...(d.medication.text ? [[d.medication, 'medication'] as [ActionDraft, TaskKind]] : []),
    ...d.resources.map((a): [ActionDraft, TaskKind] => [a, 'resource']),
    [review, 'review'],
  ];
}

/** The CarePlan of a draft (without id, period, created, patient copy or revision marks). */
function carePlanOf(
  d: PlanDraft,
  ctx: PlanContext,
  refs: { goals: string[]; tasks: string[]; team: string },
): CarePlan {
  const patient = `Patient/${ctx.patientId}`;
  const orders = ctx.medications.filter(
    (m): m is MedicationRequest => m.resourceType === 'MedicationRequest',
  );
  const statements = ctx.medications.filter((m) => m.resourceType === 'MedicationStatement');
  const activity: CarePlanActivity[] = [
    ...refs.tasks.map((r) => ({ reference: { reference: r } })),
    ...orders.map((m) => ({ reference: { reference: `MedicationRequest/${m.id}` } })),
  ];
  return {
    resourceType: 'CarePlan',
    meta: { profile: [PROFILE.carePlan] },
    text: { status: 'generated', div: planNarrative(d, ctx.names) },
    status: 'active',
    intent: 'plan',
    category: [
      {
        coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', code: 'assess-plan' }],
      },
      { coding: [{ system: CS.category, code: CATEGORY.carePlan }], text: 'CCM comprehensive care plan' },
      // the programme markers: pcm lets the plan address one condition (ccm-cp-2); apcm, bhi, cocm are kept
      ...[...new Set(d.programmes ?? [])]
        .filter((code) => code !== 'ccm')
        .map((code) => ({ coding: [{ system: CS.program, code }] })),
    ],
    title: 'Comprehensive CCM care plan',
    ...(d.prognosis ? { description: d.prognosis } : {}),
    subject: { reference: patient },
    author: { reference: ctx.author },
    ...(ctx.user !== ctx.author ? { contributor: [{ reference: ctx.user }] } : {}),
    careTeam: [{ reference: refs.team }],
    addresses: d.addresses.map((id) => ({ reference: `Condition/${id}` })),
    ...(statements.length
      ? { supportingInfo: statements.map((m): Reference => ({ reference: `MedicationStatement/${m.id}` })) }
      : {}),
    goal: refs.goals.map((r) => ({ reference: r })),
    activity,
    ...(d.reviewSchedule ? { note: [{ text: `${REVIEW_NOTE}${d.reviewSchedule}` }] } : {}),
  };
}

/** The plan's extensions: next review, the kept patient copy, revision marks (+ one now when substantial). */
function planExtensions(
  d: PlanDraft,
  ctx: PlanContext,
  previous: Extension[],
  revised: boolean,
): Extension[] {
  const kept = previous.filter(
    (e) => e.url === EXTENSION.patientCopy || e.url === EXTENSION.substantialRevision,
  );
  return [
    { url: EXTENSION.nextReview, valueDate: d.nextReview },
    ...kept,
    ...(revised ? [{ url: EXTENSION.substantialRevision, valueDateTime: ctx.now.toISOString() }] : []),
  ];
}

/** The transaction that creates a new plan (established now: one substantialRevision mark). */
export function buildCreateBundle(d: PlanDraft, ctx: PlanContext): BuiltBundle {
  const patient = `Patient/${ctx.patientId}`;
  const planUrl = urn(ctx);
  const entries: BundleEntry[] = [];
  const team = ctx.careTeam ?? urn(ctx);
  if (!ctx.careTeam) entries.push(post(careTeamResource(ctx.team, patient), team));
  const goals = d.goals.map((g) =>
    post(goalResource({ ...g, id: undefined }, patient, ctx.today, ctx.author), urn(ctx)),
  );
  const tctx = taskContext(ctx, planUrl, team);
  const tasks = taskRows(d, ctx).map(([a, kind]) =>
    post(taskResource({ ...a, id: undefined }, kind, tctx), urn(ctx)),
  );
  const plan: CarePlan = {
    ...carePlanOf(d, ctx, { goals: goals.map((e) => e.fullUrl!), tasks: tasks.map((e) => e.fullUrl!), team }),
    extension: planExtensions(d, ctx, [], true),
    period: { start: ctx.today },
    created: ctx.now.toISOString(),
  };
  const provenance = provenanceResource({
    target: planUrl,
    recorded: ctx.now.toISOString(),
    who: ctx.user,
    activity: 'CREATE',
    reason: 'CCM comprehensive care plan established',
    ...(ctx.provenanceNamesPatient ? { patient: `Patient/${ctx.patientId}` } : {}),
  });
  entries.push(...goals, post(plan, planUrl), ...tasks, post(provenance, urn(ctx)));
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    provenanceIncluded: true,
  };
}

/** The shared context of the plan's Tasks. */
function taskContext(ctx: PlanContext, plan: string, team: string): TaskContext {
  return {
    plan,
    patient: `Patient/${ctx.patientId}`,
    requester: ctx.author,
    authoredOn: ctx.now.toISOString(),
    careTeam: team,
  };
}

/** The version after `v` when version ids are numbers (this server's are), else undefined. */
export function nextVersion(v: string | undefined): string | undefined {
  return v && /^\d+$/.test(v) ? String(Number(v) + 1) : undefined;
}

/** Entries that update kept rows, create new ones and cancel removed ones; returns the references kept/created. */
function reviseRows<T extends Goal | Task>(
  stored: T[],
  rows: Array<{ id?: string; make: (id?: string) => T }>,
  cancel: (r: T) => T,
  ctx: PlanContext,
): { entries: BundleEntry[]; refs: string[] } {
  const byId = new Map(stored.map((r) => [r.id as string, r]));
  const kept = new Set<string>();
  const entries: BundleEntry[] = [];
  const refs: string[] = [];
  for (const row of rows) {
    const id = row.id && byId.has(row.id) && !kept.has(row.id) ? row.id : undefined;
    if (id) {
      kept.add(id);
      const fresh = row.make(id);
      entries.push(put(keepDates(byId.get(id) as T, fresh), ctx));
      refs.push(`${fresh.resourceType}/${id}`);
    } else {
      const e = post(row.make(undefined), urn(ctx));
      entries.push(e);
      refs.push(e.fullUrl as string);
    }
  }
  for (const r of stored) if (!kept.has(r.id as string) && isOpen(r)) entries.push(put(cancel(r), ctx));
  return { entries, refs };
}

/** A kept Goal keeps its start date, a kept Task when it was authored. */
function keepDates<T extends Goal | Task>(old: T, fresh: T): T {
  if (old.resourceType === 'Goal' && old.startDate) return { ...fresh, startDate: old.startDate };
  if (old.resourceType === 'Task' && old.authoredOn) return { ...fresh, authoredOn: old.authoredOn };
  return fresh;
}

/** A Goal still active or a Task still open. */
function isOpen(r: Goal | Task): boolean {
  return r.resourceType === 'Goal'
    ? r.lifecycleStatus !== 'cancelled' && r.lifecycleStatus !== 'completed'
    : !['cancelled', 'completed', 'failed', 'rejected', 'entered-in-error'].includes(r.status);
}

/** The transaction of a revision: a new CarePlan version (If-Match) and a Provenance targeting it. */
export function buildReviseBundle(d: PlanDraft, ctx: PlanContext, stored: StoredPlan): BuiltBundle {
  const { plan } = stored;
  const planRef = `CarePlan/${plan.id}`;
  const patient = `Patient/${ctx.patientId}`;
  const team = ctx.careTeam ?? plan.careTeam?.[0]?.reference ?? urn(ctx);
  const entries: BundleEntry[] = [];
  if (!ctx.careTeam && !plan.careTeam?.length) entries.push(post(careTeamResource(ctx.team, patient), team));
  const goals = reviseRows(
    stored.goals,
    d.goals.map((g) => ({
      id: g.id,
      make: (id?: string) => goalResource({ ...g, id }, patient, ctx.today, ctx.author),
    })),
    cancelledGoal,
    ctx,
  );
  const tctx = taskContext(ctx, planRef, team);
  const reviewId = stored.tasks.find((t) => taskKind(t) === 'review' && isOpen(t))?.id;
  const tasks = reviseRows(
    stored.tasks,
    taskRows(d, ctx, reviewId).map(([a, kind]) => ({
      id: a.id,
      make: (id?: string) => taskResource({ ...a, id }, kind, tctx),
    })),
    cancelledTask,
    ctx,
  );
  const version = plan.meta?.versionId;
  const next: CarePlan = {
    ...carePlanOf(d, ctx, { goals: goals.refs, tasks: tasks.refs, team }),
    id: plan.id,
    extension: planExtensions(d, ctx, plan.extension ?? [], d.substantial),
    period: plan.period ?? { start: ctx.today },
    ...(plan.created ? { created: plan.created } : {}),
  };
  entries.push(...goals.entries, put(next, ctx, version), ...tasks.entries);
  const predicted = nextVersion(version);
  if (predicted)
    entries.push(post(reviseProvenance(ctx, planRef, predicted, version, d.substantial), urn(ctx)));
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    provenanceIncluded: predicted !== undefined,
  };
}

/** The Provenance of a revision, targeting version `target` of the plan. */
export function reviseProvenance(
  ctx: Pick<PlanContext, 'now' | 'user' | 'patientId' | 'provenanceNamesPatient'>,
  planRef: string,
  target: string,
  previous: string | undefined,
  substantial: boolean,
) {
  return provenanceResource({
    target: `${planRef}/_history/${target}`,
    recorded: ctx.now.toISOString(),
    who: ctx.user,
    activity: 'UPDATE',
    ...(previous ? { previous: `${planRef}/_history/${previous}` } : {}),
    reason: substantial ? 'CCM care plan substantially revised' : 'CCM care plan updated',
    ...(ctx.provenanceNamesPatient ? { patient: `Patient/${ctx.patientId}` } : {}),
  });
}

/** The plan with the patient-copy hand-over recorded (replacing an earlier one: the profile allows one). */
export function withPatientCopy(plan: CarePlan, method: string, date: string): CarePlan {
  const others = (plan.extension ?? []).filter((e) => e.url !== EXTENSION.patientCopy);
  return {
    ...plan,
    extension: [
      ...others,
      {
        url: EXTENSION.patientCopy,
        extension: [
          { url: 'date', valueDateTime: date },
          { url: 'method', valueCode: method },
        ],
      },
    ],
  };
}
