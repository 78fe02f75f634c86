/**
 * The programme markers of a patient-month (server/ccm/README.md): a CCM CarePlan whose `category` carries
 * CS.program#apcm, #bhi or #cocm, with status active or completed and a `period` overlapping the month, marks
 * the month as a month of that programme; the plan's `author` is the month's practitioner of the programme (for
 * APCM the one responsible for the patient's primary care, ccm-rules.md "APCM"; for BHI and CoCM the billing
 * practitioner who judged the addressed condition to warrant it, "BHI and CoCM"). Several marked plans by
 * different authors in one month break "one practitioner per month" and are reported, never silently resolved.
 */
import type { MonthRange } from '../time/zone.js';
import { practitionerOf, type CarePlanRecord, type PatientRecord } from './record.js';

/** The APCM programme code (CS.program). */
export const APCM = 'apcm';

/** The marker picture of a month's plans for one programme. */
export interface ProgrammeMarker {
  /** The marked plans in effect during the month, the most recently started first. */
  plans: CarePlanRecord[];
  /** Their distinct authors, resolved to Practitioners. */
  practitioners: string[];
  /** The month's practitioner of the programme: the author of the most recently started plan. */
  practitioner?: string;
}

/** The APCM picture of a month's plans. */
export type ApcmMarker = ProgrammeMarker;

const IN_EFFECT = new Set(['active', 'completed']);
/** Programmes whose plans are CCM/PCM care plans too (gate 3); a plan naming none is a CCM plan. */
const CCM_PLAN_PROGRAMMES = new Set(['ccm', 'pcm', APCM]);

/** Whether a plan is a CCM/PCM care plan (a plan marked only for BHI or CoCM is not). */
export function isCcmPlan(p: Pick<CarePlanRecord, 'programmes'>): boolean {
  return p.programmes.length === 0 || p.programmes.some((x) => CCM_PLAN_PROGRAMMES.has(x));
}

/** The plans of a record that declare a programme (any status). */
export function plansOf(record: Pick<PatientRecord, 'carePlans'>, programme: string): CarePlanRecord[] {
  return record.carePlans.filter((p) => p.programmes.includes(programme));
}

/** The plans of a record that declare APCM (any status). */
export function apcmPlans(record: Pick<PatientRecord, 'carePlans'>): CarePlanRecord[] {
  return plansOf(record, APCM);
}

/** Whether a plan's period overlaps the month. */
function overlaps(p: CarePlanRecord, month: MonthRange): boolean {
  const start = p.periodStart ?? p.created;
  if (start !== undefined && start >= month.end) return false;
  return p.periodEnd === undefined || p.periodEnd >= month.start;
}

/** The month's marker of a programme, or undefined when no plan marked for it is in effect during the month. */
export function programmeMarker(
  record: PatientRecord,
  month: MonthRange,
  programme: string,
): ProgrammeMarker | undefined {
  const plans = plansOf(record, programme)
    .filter((p) => IN_EFFECT.has(p.status) && overlaps(p, month))
    .sort((a, b) => (b.periodStart ?? b.created ?? 0) - (a.periodStart ?? a.created ?? 0));
  if (plans.length === 0) return undefined;
  const practitioners = [...new Set(plans.flatMap((p) => practitionerOf(record, p.author) ?? []))];
  const practitioner = practitionerOf(record, plans.find((p) => p.author)?.author);
  return { plans, practitioners, ...(practitioner ? { practitioner } : {}) };
}

/** The month's APCM marker, or undefined when no APCM plan is in effect during the month. */
export function apcmMarker(record: PatientRecord, month: MonthRange): ApcmMarker | undefined {
  return programmeMarker(record, month, APCM);
}
