/**
 * Reads the care plan builder form (application/x-www-form-urlencoded, parsed by the shell) into a draft
 * and checks it. Field names are flat (`goal-0-description`, `goal-0-target-1-value`, `intervention-2-owner`)
 * so they read the same whatever the body parser's `extended` setting; a field sent twice counts once; blank
 * rows are ignored; every problem is a sentence for the clinician, never an exception.
 */
import { isDate } from './dates.js';
import type { ActionDraft, GoalDraft, PlanDraft, TargetDraft } from './template-types.js';

/** A parsed form body. */
export type FormBody = Record<string, unknown>;

const MAX_TEXT = 2000;
const MAX_ROWS = 60;
const COMPARATORS = new Set(['<', '<=', '>', '>=', '=']);

/** One text field: the first value when sent more than once, '' when absent or not text. */
export function field(body: FormBody, name: string): string {
  const v = body[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first.trim() : '';
}

/** A repeated field (checkboxes) as a list of distinct non-empty strings. */
export function fieldList(body: FormBody, name: string): string[] {
  const v = body[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return [...new Set(list.filter((x): x is string => typeof x === 'string').map((x) => x.trim()))].filter(
    Boolean,
  );
}

/** The row indexes present for a prefix (`goal` → 0, 1, 4 from goal-0-..., goal-1-..., goal-4-...). */
function rowIndexes(body: FormBody, prefix: string): number[] {
  const re = new RegExp(`^${prefix}-(\\d{1,3})-`);
  const seen = new Set<number>();
  for (const k of Object.keys(body)) {
    const m = re.exec(k);
    if (m && Number(m[1]) < MAX_ROWS) seen.add(Number(m[1]));
  }
  return [...seen].sort((a, b) => a - b);
}

/** The goal targets of row `i`. */
function targetsOf(body: FormBody, i: number): TargetDraft[] {
  return rowIndexes(body, `goal-${i}-target`)
    .map((j) => {
      const f = (n: string) => field(body, `goal-${i}-target-${j}-${n}`);
      return {
        measure: f('measure'),
        loinc: f('loinc'),
        comparator: f('comparator') || '<',
        value: f('value'),
        unit: f('unit'),
      };
    })
    .filter((t) => t.measure || t.value || t.loinc);
}

/** The goal rows with content. */
function goalsOf(body: FormBody): GoalDraft[] {
  return rowIndexes(body, 'goal')
    .map((i) => {
      const id = field(body, `goal-${i}-id`);
      return {
        ...(id ? { id } : {}),
        description: field(body, `goal-${i}-description`),
        due: field(body, `goal-${i}-due`),
        targets: targetsOf(body, i),
      };
    })
    .filter((g) => g.description || g.targets.length > 0 || (g.due && !g.id));
}

/** The action rows (symptom, intervention, resource) with content. */
function actionsOf(body: FormBody, prefix: string): ActionDraft[] {
  return rowIndexes(body, prefix)
    .map((i) => {
      const id = field(body, `${prefix}-${i}-id`);
      return {
        ...(id ? { id } : {}),
        text: field(body, `${prefix}-${i}-text`),
        owner: field(body, `${prefix}-${i}-owner`),
        due: field(body, `${prefix}-${i}-due`),
      };
    })
    .filter((a) => a.text || a.due);
}

/** Programme markers a revised plan keeps (the form carries them as hidden `programme-keep` fields). */
const KEPT_PROGRAMMES = new Set(['apcm', 'bhi', 'cocm']);

/** The programmes a form declares: `pcm` when chosen, and the kept markers of the stored plan. */
function programmesOf(body: FormBody): string[] {
  const kept = fieldList(body, 'programme-keep').filter((p) => KEPT_PROGRAMMES.has(p));
  return [...(field(body, 'programme') === 'pcm' ? ['pcm'] : []), ...kept];
}

/**
 * How many conditions the problem list needs by the programmes the plan declares (ccm-rules.md gate 3 and
 * ccm-cp-2): CCM two or more; PCM, BHI or CoCM one; APCM any number.
 */
export function conditionsNeeded(programmes: string[] | undefined): number {
  const p = programmes ?? [];
  if (p.includes('apcm')) return 0;
  return p.some((x) => x === 'pcm' || x === 'bhi' || x === 'cocm') ? 1 : 2;
}

/** The draft a form body describes (unchecked). */
export function draftFromForm(body: FormBody): PlanDraft {
  const medicationId = field(body, 'medication-id');
  return {
    programmes: programmesOf(body),
    addresses: fieldList(body, 'addresses'),
    prognosis: field(body, 'prognosis'),
    goals: goalsOf(body),
    symptoms: actionsOf(body, 'symptom'),
    interventions: actionsOf(body, 'intervention'),
    medication: {
      ...(medicationId ? { id: medicationId } : {}),
      text: field(body, 'medication-text'),
      owner: field(body, 'medication-owner'),
      due: '',
    },
    resources: actionsOf(body, 'resource'),
    reviewSchedule: field(body, 'review-schedule'),
    nextReview: field(body, 'next-review'),
    substantial: field(body, 'substantial') === 'yes',
  };
}

/** What the draft is checked against. */
export interface DraftRules {
  today: string;
  /** Condition ids the plan may address. */
  conditions: ReadonlySet<string>;
  /** References a task may be assigned to. */
  owners: ReadonlySet<string>;
}

/** Problems of one goal row. */
function goalProblems(g: GoalDraft, n: number, today: string): string[] {
  const out: string[] = [];
  if (!g.description) out.push(`Goal ${n}: describe the goal (it cannot be empty).`);
  if (!isDate(g.due)) out.push(`Goal ${n}: enter a due date as YYYY-MM-DD.`);
  else if (g.due < today) out.push(`Goal ${n}: the due date ${g.due} is in the past.`);
  g.targets.forEach((t, k) => {
    const where = `Goal ${n}, target ${k + 1}`;
    if (!t.measure) out.push(`${where}: say what is measured.`);
    if (t.loinc && !/^\d{1,7}-\d$/.test(t.loinc))
      out.push(`${where}: ${t.loinc} is not a LOINC code (like 4548-4).`);
    if (t.value && !/^-?\d+(\.\d+)?$/.test(t.value)) out.push(`${where}: the target value must be a number.`);
    if (!COMPARATORS.has(t.comparator)) out.push(`${where}: choose a comparison (<, ≤, >, ≥ or =).`);
  });
  return out;
}

/** Problems of the action rows of one section. */
function actionProblems(rows: ActionDraft[], label: string, rules: DraftRules): string[] {
  return rows.flatMap((a, i) => {
    const out: string[] = [];
    const where = `${label} ${i + 1}`;
    if (!a.text) out.push(`${where}: describe it (it cannot be empty).`);
    if (!rules.owners.has(a.owner)) out.push(`${where}: choose who is responsible.`);
    if (a.due && !isDate(a.due)) out.push(`${where}: enter the due date as YYYY-MM-DD.`);
    else if (a.due && a.due < rules.today) out.push(`${where}: the due date ${a.due} is in the past.`);
    return out;
  });
}

/** Every problem of a draft, as sentences; empty when it can be saved. */
export function checkDraft(d: PlanDraft, rules: DraftRules): string[] {
  const out: string[] = [];
  const unknown = d.addresses.filter((id) => !rules.conditions.has(id));
  if (unknown.length)
    out.push(`The problem list names conditions that are not this patient's: ${unknown.join(', ')}.`);
  const needed = conditionsNeeded(d.programmes);
  if (d.addresses.length < needed) {
    out.push(
      needed === 2
        ? 'Problem list: choose at least two chronic conditions (or choose PCM for a plan of one condition).'
        : 'Problem list: choose the condition the plan is for.',
    );
  }
  if (d.goals.length === 0) out.push('Goals: add at least one measurable goal.');
  d.goals.forEach((g, i) => out.push(...goalProblems(g, i + 1, rules.today)));
  out.push(...actionProblems(d.symptoms, 'Symptom management', rules));
  if (d.interventions.length === 0) out.push('Interventions: add at least one intervention.');
  out.push(...actionProblems(d.interventions, 'Intervention', rules));
  out.push(...actionProblems(d.resources, 'Community resource', rules));
  if (d.medication.text) out.push(...actionProblems([d.medication], 'Medication management', rules));
  if (!isDate(d.nextReview)) out.push('Next review: enter a date as YYYY-MM-DD.');
  else if (d.nextReview <= rules.today) out.push('Next review: the date must be after today.');
  const texts = [d.prognosis, d.reviewSchedule, d.medication.text, ...d.goals.map((g) => g.description)];
  if (
    [...texts, ...[...d.symptoms, ...d.interventions, ...d.resources].map((a) => a.text)].some(
      (t) => t.length > MAX_TEXT,
    )
  ) {
    out.push(`A text field is longer than ${MAX_TEXT} characters; shorten it.`);
  }
  return out;
}
