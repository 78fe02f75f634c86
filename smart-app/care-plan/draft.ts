/**
 * Editable plan drafts: a new plan pre-filled from the chosen templates, and the stored plan (CarePlan,
 * Goals, Tasks) turned back into a draft for revision. Pure functions.
 */
import type { CarePlan, Goal, Task } from 'fhir/r4.js';
import { CS, EXTENSION } from '../../server/ccm/vocabulary.js';
import { addDays, datePart } from './dates.js';
import type {
  ActionDraft,
  ActionTemplate,
  ConditionTemplate,
  GoalDraft,
  PlanDraft,
  Responsible,
} from './template-types.js';

/** Prefix of the CarePlan.note that holds the review schedule. */
export const REVIEW_NOTE = 'Review schedule: ';

/** The default review schedule. */
export const DEFAULT_REVIEW = 'Every 3 months, and after any emergency visit or hospital stay';

/** Task.code.text of each kind of plan Task (the code itself is from CS.taskType). */
export const TASK_KIND = {
  symptom: { code: 'intervention', text: 'Symptom management' },
  intervention: { code: 'intervention', text: 'Intervention' },
  resource: { code: 'referral', text: 'Community resource' },
  medication: { code: 'medication-review', text: 'Medication management' },
  review: { code: 'care-plan-review', text: 'Care plan review' },
} as const;

/** The kind of a plan Task. */
export type TaskKind = keyof typeof TASK_KIND;

const GENERAL_MEDICATION =
  'Reconcile the medication list at every contact and after any hospital stay; check adherence, side effects and refills.';

/** Unique by key, first wins. */
function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)));
}

/** An action template as a draft row. */
function actionDraft(a: ActionTemplate, owners: Record<Responsible, string>, today: string): ActionDraft {
  return { text: a.text, owner: owners[a.responsible], due: a.dueDays ? addDays(today, a.dueDays) : '' };
}

/** A new plan pre-filled from templates. `owners` maps each responsible role to a care team reference. */
export function draftFromTemplates(
  templates: ConditionTemplate[],
  addresses: string[],
  owners: Record<Responsible, string>,
  today: string,
): PlanDraft {
  const goals: GoalDraft[] = uniqueBy(
    templates.flatMap((t) => t.goals),
    (g) => g.key,
  ).map((g) => ({
    description: g.description,
    due: addDays(today, g.dueDays),
    targets: g.targets.map((x) => ({
      measure: x.measure,
      loinc: x.loinc ?? '',
      comparator: x.comparator,
      value: String(x.value),
      unit: x.unit,
    })),
  }));
  const rows = (pick: (t: ConditionTemplate) => ActionTemplate[]) =>
    uniqueBy(templates.flatMap(pick), (a) => a.key).map((a) => actionDraft(a, owners, today));
  return {
    addresses,
    prognosis: templates.map((t) => `${t.name}: ${t.prognosis}`).join('\n'),
    goals,
    symptoms: rows((t) => t.symptoms),
    interventions: rows((t) => t.interventions),
    medication: {
      text: [GENERAL_MEDICATION, ...templates.map((t) => t.medication)].join('\n'),
      owner: owners['care-manager'],
      due: '',
    },
    resources: rows((t) => t.resources),
    reviewSchedule: DEFAULT_REVIEW,
    nextReview: addDays(today, 90),
    substantial: true,
  };
}

/** The kind of a stored plan Task, from its code and code text. */
export function taskKind(t: Task): TaskKind | undefined {
  const code = t.code?.coding?.find((c) => c.system === CS.taskType)?.code;
  return (Object.keys(TASK_KIND) as TaskKind[]).find(
    (k) => TASK_KIND[k].code === code && (code !== 'intervention' || TASK_KIND[k].text === t.code?.text),
  );
}

/** A stored Goal as a draft row. */
function goalDraft(g: Goal): GoalDraft {
  const targets = (g.target ?? []).filter((t) => t.measure);
  return {
    id: g.id,
    description: g.description.text ?? '',
    due: datePart(g.target?.[0]?.dueDate),
    targets: targets.map((t) => ({
      measure: t.measure?.text ?? t.measure?.coding?.[0]?.display ?? '',
      loinc: t.measure?.coding?.find((c) => c.system === 'http://loinc.org')?.code ?? '',
      comparator: t.detailQuantity?.comparator ?? (t.detailQuantity ? '=' : '<'),
      value: t.detailQuantity?.value !== undefined ? String(t.detailQuantity.value) : '',
      unit: t.detailQuantity?.unit ?? '',
    })),
  };
}

/** A stored Task as a draft row. */
function taskDraft(t: Task): ActionDraft {
  return {
    id: t.id,
    text: t.description ?? '',
    owner: t.owner?.reference?.startsWith('CareTeam/') ? 'CareTeam' : (t.owner?.reference ?? ''),
    due: datePart(t.restriction?.period?.end),
  };
}

const OPEN_TASK = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);

/** The stored plan as a draft for revision: active goals and open tasks only. */
export function draftFromPlan(plan: CarePlan, goals: Goal[], tasks: Task[]): PlanDraft {
  const open = tasks.filter((t) => OPEN_TASK.has(t.status));
  const of = (k: TaskKind) => open.filter((t) => taskKind(t) === k).map(taskDraft);
  const review = (plan.note ?? []).find((n) => n.text.startsWith(REVIEW_NOTE));
  const next = (plan.extension ?? []).find((e) => e.url === EXTENSION.nextReview)?.valueDate ?? '';
  return {
    programmes: (plan.category ?? []).flatMap((cc) =>
      (cc.coding ?? []).flatMap((c) => (c.system === CS.program && c.code ? [c.code] : [])),
    ),
    addresses: (plan.addresses ?? []).flatMap((r) => {
      const m = /^Condition\/(.+)$/.exec(r.reference ?? '');
      return m ? [m[1]] : [];
    }),
    prognosis: plan.description ?? '',
    goals: goals.filter((g) => g.lifecycleStatus !== 'cancelled').map(goalDraft),
    symptoms: of('symptom'),
    interventions: of('intervention'),
    medication: of('medication')[0] ?? { text: '', owner: '', due: '' },
    resources: of('resource'),
    reviewSchedule: review ? review.text.slice(REVIEW_NOTE.length) : '',
    nextReview: next,
    substantial: true,
  };
}
