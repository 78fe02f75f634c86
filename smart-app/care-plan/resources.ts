/**
 * One FHIR resource per piece of a plan draft: Goal (US Core Goal), Task (ccm-task, basedOn the CarePlan),
 * CareTeam (US Core CareTeam) and Provenance. Pure functions used by the bundle builder (builder.ts).
 */
import type { CareTeam, Goal, GoalTarget, Provenance, Task } from 'fhir/r4.js';
import { CS, PROFILE, SYSTEM } from '../../server/ccm/vocabulary.js';
import { ucumOf } from './dates.js';
import { TASK_KIND, type TaskKind } from './draft.js';
import type { ActionDraft, GoalDraft, TargetDraft } from './template-types.js';

/** US Core profiles the builder claims. */
export const US_CORE = {
  goal: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-goal',
  careTeam: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-careteam',
} as const;

/** A member of the CCM care team. */
export interface TeamMember {
  reference: string;
  display: string;
  role: 'billing-practitioner' | 'care-manager' | 'patient';
}

/** A Goal.target from a draft target and the goal's due date. */
function goalTarget(t: TargetDraft, due: string): GoalTarget {
  const coding = t.loinc ? [{ system: SYSTEM.loinc, code: t.loinc, display: t.measure }] : undefined;
  const out: GoalTarget = { measure: { ...(coding ? { coding } : {}), text: t.measure }, dueDate: due };
  if (t.value) {
    const code = ucumOf(t.unit);
    out.detailQuantity = {
      value: Number(t.value),
      ...(t.comparator !== '=' ? { comparator: t.comparator as '<' | '<=' | '>' | '>=' } : {}),
      ...(t.unit ? { unit: t.unit } : {}),
      ...(code ? { system: SYSTEM.ucum, code } : {}),
    };
  }
  return out;
}

/** A Goal from a draft row. */
export function goalResource(g: GoalDraft, patient: string, today: string, author: string): Goal {
  return {
    resourceType: 'Goal',
    ...(g.id ? { id: g.id } : {}),
    meta: { profile: [US_CORE.goal] },
    lifecycleStatus: 'active',
    description: { text: g.description },
    subject: { reference: patient },
    startDate: today,
    expressedBy: { reference: author },
    target: g.targets.length ? g.targets.map((t) => goalTarget(t, g.due)) : [{ dueDate: g.due }],
  };
}

/** What every plan Task shares. */
export interface TaskContext {
  plan: string;
  patient: string;
  requester: string;
  authoredOn: string;
  /** The care team reference, for rows assigned to the team (owner `CareTeam`). */
  careTeam: string;
}

/** A ccm-task from a draft row of a kind. */
export function taskResource(a: ActionDraft, kind: TaskKind, ctx: TaskContext): Task {
  return {
    resourceType: 'Task',
    ...(a.id ? { id: a.id } : {}),
    meta: { profile: [PROFILE.task] },
    basedOn: [{ reference: ctx.plan }],
    status: 'requested',
    intent: 'plan',
    code: { coding: [{ system: CS.taskType, code: TASK_KIND[kind].code }], text: TASK_KIND[kind].text },
    description: a.text,
    for: { reference: ctx.patient },
    authoredOn: ctx.authoredOn,
    requester: { reference: ctx.requester },
    owner: { reference: a.owner === 'CareTeam' ? ctx.careTeam : a.owner },
    ...(a.due ? { restriction: { period: { end: a.due } } } : {}),
  };
}

/** A stored Task cancelled because the revision removed it (ccm-task-3: says why). */
export function cancelledTask(t: Task): Task {
  return { ...t, status: 'cancelled', statusReason: { text: 'Removed when the care plan was revised' } };
}

/** A stored Goal cancelled because the revision removed it. */
export function cancelledGoal(g: Goal): Goal {
  return { ...g, lifecycleStatus: 'cancelled' };
}

const SNOMED_ROLE: Record<TeamMember['role'], { code: string; display: string } | undefined> = {
  'billing-practitioner': { code: '453231000124104', display: 'Primary care provider' },
  'care-manager': undefined,
  patient: { code: '116154003', display: 'Patient (person)' },
};

/** The CCM care team of a new plan. */
export function careTeamResource(members: TeamMember[], patient: string): CareTeam {
  return {
    resourceType: 'CareTeam',
    meta: { profile: [US_CORE.careTeam] },
    status: 'active',
    name: 'CCM care team',
    subject: { reference: patient },
    participant: members.map((m) => {
      const role = SNOMED_ROLE[m.role];
      return {
        role: [
          role
            ? {
                coding: [{ system: SYSTEM.snomed, code: role.code, display: role.display }],
                text: roleText(m.role),
              }
            : { text: roleText(m.role) },
        ],
        member: { reference: m.reference, display: m.display },
      };
    }),
  };
}

/** The role of a team member in words. */
export function roleText(role: TeamMember['role']): string {
  return role === 'billing-practitioner'
    ? 'Billing practitioner'
    : role === 'care-manager'
      ? 'Care manager'
      : 'Patient';
}

/**
 * A Provenance of a plan version: created or revised by `who`, at `recorded`. Its only target is the plan
 * version: R4 puts a Provenance in a patient's compartment only when the Patient itself is a target, so the
 * app writes it under its `user/Provenance.c` scope rather than naming the patient as changed.
 */
export function provenanceResource(o: {
  target: string;
  /**
   * The patient, named as a target too when the app's token is confined to the patient (a launch from
   * another EHR: ccm-fhir grants no user/Provenance.c then, and a patient-scoped token may write a
   * Provenance only when it is in the patient's compartment).
   */
  patient?: string;
  recorded: string;
  who: string;
  activity: 'CREATE' | 'UPDATE';
  previous?: string;
  reason?: string;
}): Provenance {
  return {
    resourceType: 'Provenance',
    target: [{ reference: o.target }, ...(o.patient ? [{ reference: o.patient }] : [])],
    recorded: o.recorded,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: o.activity }],
    },
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' },
          ],
        },
        who: { reference: o.who },
      },
    ],
    ...(o.previous ? { entity: [{ role: 'revision', what: { reference: o.previous } }] } : {}),
    ...(o.reason ? { reason: [{ text: o.reason }] } : {}),
  };
}
