/**
 * View data of the care plan views (smart-app/views/care-plan/): everything precomputed (row prefixes,
 * labels, selected options), so the templates need only the built-in helpers and `{{ }}` output.
 */
import type { CarePlan, OperationOutcome } from 'fhir/r4.js';
import { EXTENSION, PATIENT_COPY_METHOD } from '../../server/ccm/vocabulary.js';
import { localDate } from './dates.js';
import { TEMPLATES } from './templates.js';
import { medicineName, type PlanData } from './load.js';
import { roleText } from './resources.js';
import type { ActionDraft, PlanDraft } from './template-types.js';

const COMPARATOR_WORDS: Record<string, string> = {
  '<': 'less than',
  '<=': 'at most',
  '>': 'more than',
  '>=': 'at least',
  '=': 'equal to',
};

const METHOD_WORDS: Record<string, string> = {
  paper: 'Paper copy, in person',
  portal: 'Patient portal',
  email: 'Email',
  mail: 'Mail',
  other: 'Other',
};

/** A select option. */
interface Option {
  value: string;
  label: string;
  selected: boolean;
}

/** The responsible-person options, with `current` selected (kept even when no longer on the team). */
function ownerOptions(data: PlanData, current: string): Option[] {
  const values = [...data.team.map((m) => m.reference), 'CareTeam'];
  if (current && !values.includes(current)) values.push(current);
  return values.map((v) => {
    const member = data.team.find((m) => m.reference === v);
    const label = member
      ? `${member.display} (${roleText(member.role).toLowerCase()})`
      : (data.names.get(v) ?? v);
    return { value: v, label, selected: v === current };
  });
}

/** The references a task may be assigned to. */
export function allowedOwners(data: PlanData): Set<string> {
  const owners = new Set([...data.team.map((m) => m.reference), 'CareTeam']);
  for (const t of data.stored?.tasks ?? []) {
    const o = t.owner?.reference;
    if (o && !o.startsWith('CareTeam/')) owners.add(o);
  }
  return owners;
}

/** Action rows of a section plus one blank row. */
function actionRows(data: PlanData, rows: ActionDraft[], prefix: string, label: string) {
  const blank: ActionDraft = { text: '', owner: data.team[0].reference, due: '' };
  return [...rows, blank].map((a, i) => ({
    prefix: `${prefix}-${i}`,
    label: `${label} ${i + 1}`,
    id: a.id,
    text: a.text,
    due: a.due,
    owners: ownerOptions(data, a.owner),
  }));
}

/** Goal rows plus one blank goal; each goal with its targets plus one blank target. */
function goalRows(d: PlanDraft) {
  const goals = [...d.goals, { description: '', due: '', targets: [] }];
  return goals.map((g, i) => ({
    prefix: `goal-${i}`,
    label: `Goal ${i + 1}`,
    id: 'id' in g ? g.id : undefined,
    description: g.description,
    due: g.due,
    targets: [...g.targets, { measure: '', loinc: '', comparator: '<', value: '', unit: '' }].map((t, j) => ({
      prefix: `goal-${i}-target-${j}`,
      label: `Goal ${i + 1} target ${j + 1}`,
      ...t,
      comparators: Object.entries(COMPARATOR_WORDS).map(([value, label]) => ({
        value,
        label: `${value} (${label})`,
        selected: value === t.comparator,
      })),
    })),
  }));
}

/** The issues of a refused write, for the error list. */
export function issuesOf(outcome: OperationOutcome | undefined) {
  return (outcome?.issue ?? []).map((i) => ({
    severity: i.severity,
    text: i.diagnostics ?? i.details?.text ?? i.code,
    where: (i.expression ?? i.location ?? []).join(', '),
  }));
}

/** The builder form's view data. */
export function editView(
  data: PlanData,
  d: PlanDraft,
  o: { templates: string[]; errors?: string[]; outcome?: OperationOutcome; today: string },
) {
  const plan = data.stored?.plan;
  const chosen = new Set(d.addresses);
  return {
    revise: plan !== undefined,
    planId: plan?.id,
    version: plan?.meta?.versionId,
    errors: o.errors ?? [],
    issues: issuesOf(o.outcome),
    templates: [...TEMPLATES.values()].map((t) => ({
      group: t.group,
      name: t.name,
      checked: o.templates.includes(t.group),
    })),
    problems: data.problems.map((p) => ({
      id: p.id,
      name: p.name,
      checked: chosen.has(p.id),
      note: p.chronic ? `chronic: ${p.groupName}` : `not counted as a CCM chronic condition (${p.groupName})`,
    })),
    pcm: (d.programmes ?? []).includes('pcm'),
    keptProgrammes: (d.programmes ?? []).filter((x) => x === 'apcm' || x === 'bhi' || x === 'cocm'),
    prognosis: d.prognosis,
    goals: goalRows(d),
    symptoms: actionRows(data, d.symptoms, 'symptom', 'Symptom management'),
    interventions: actionRows(data, d.interventions, 'intervention', 'Intervention'),
    resources: actionRows(data, d.resources, 'resource', 'Community resource'),
    medication: {
      id: d.medication.id,
      text: d.medication.text,
      owners: ownerOptions(data, d.medication.owner),
    },
    medicines: data.medications.map(medicineName),
    allergies: data.allergies,
    reviewSchedule: d.reviewSchedule,
    nextReview: d.nextReview,
    substantial: d.substantial,
    today: o.today,
  };
}

/** A goal target in plain words ("HbA1c: less than 7 %"). */
function targetWords(t: PlanDraft['goals'][number]['targets'][number]): string {
  if (!t.value) return t.measure;
  return `${t.measure}: ${COMPARATOR_WORDS[t.comparator] ?? t.comparator} ${t.value}${t.unit ? ` ${t.unit}` : ''}`;
}

/** The patient copy recorded on a plan, if any. */
export function copyOf(plan: CarePlan, timeZone: string): { date: string; method: string } | undefined {
  const ext = plan.extension?.find((e) => e.url === EXTENSION.patientCopy);
  if (!ext) return undefined;
  const sub = (n: string) => ext.extension?.find((e) => e.url === n);
  const method = sub('method')?.valueCode ?? 'other';
  return { date: localDate(sub('date')?.valueDateTime, timeZone), method: METHOD_WORDS[method] ?? method };
}

/** True when the plan was substantially revised after the recorded copy was given. */
function copyOutdated(plan: CarePlan): boolean {
  const copy = plan.extension?.find((e) => e.url === EXTENSION.patientCopy);
  const given = Date.parse(copy?.extension?.find((e) => e.url === 'date')?.valueDateTime ?? '');
  if (Number.isNaN(given)) return false;
  return (plan.extension ?? []).some(
    (e) => e.url === EXTENSION.substantialRevision && Date.parse(e.valueDateTime ?? '') > given,
  );
}

/** The stored plan in plain words (show and print views). */
export function planView(data: PlanData, d: PlanDraft, plan: CarePlan, timeZone: string) {
  const who = (a: ActionDraft) => data.names.get(a.owner) ?? a.owner;
  const action = (a: ActionDraft) => ({ text: a.text, who: who(a), due: a.due });
  return {
    patientName: data.patientName,
    version: plan.meta?.versionId,
    updated: localDate(plan.meta?.lastUpdated, timeZone),
    started: localDate(plan.period?.start, timeZone),
    revisions: (plan.extension ?? [])
      .filter((e) => e.url === EXTENSION.substantialRevision)
      .map((e) => localDate(e.valueDateTime, timeZone)),
    copy: copyOf(plan, timeZone),
    copyOutdated: copyOutdated(plan),
    problems: d.addresses.map((id) => data.names.get(id) ?? `Condition ${id}`),
    prognosis: d.prognosis,
    goals: d.goals.map((g) => ({
      description: g.description,
      due: g.due,
      targets: g.targets.map(targetWords),
    })),
    symptoms: d.symptoms.map(action),
    interventions: d.interventions.map(action),
    medication: d.medication.text ? action(d.medication) : undefined,
    medicines: data.medications.map(medicineName),
    allergies: data.allergies,
    resources: d.resources.map(action),
    team: data.team.map((m) => ({ display: m.display, role: roleText(m.role) })),
    reviewSchedule: d.reviewSchedule,
    nextReview: d.nextReview,
  };
}

/** The hand-over form's method options. */
export function methodOptions(selected = 'paper'): Option[] {
  return PATIENT_COPY_METHOD.map((m) => ({
    value: m,
    label: METHOD_WORDS[m] ?? m,
    selected: m === selected,
  }));
}
