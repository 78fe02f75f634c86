/**
 * The APCM marker of a patient-month (server/ccm/README.md): a CCM CarePlan whose `category` carries
 * CS.program#apcm, with status active or completed and a `period` overlapping the month, marks the month as
 * an APCM month; the plan's `author` is the month's APCM practitioner (the one responsible for the patient's
 * primary care, ccm-rules.md "APCM"). Several marked plans by different authors in one month break "one
 * practitioner per month" and are reported, never silently resolved.
 */
import type { MonthRange } from '../time/zone.js';
import { practitionerOf, type CarePlanRecord, type PatientRecord } from './record.js';

/** The APCM programme code (CS.program). */
export const APCM = 'apcm';

/** The APCM picture of a month's plans. */
export interface ApcmMarker {
  /** The marked plans in effect during the month, the most recently started first. */
  plans: CarePlanRecord[];
  /** Their distinct authors, resolved to Practitioners. */
  practitioners: string[];
  /** The month's APCM practitioner: the author of the most recently started plan. */
  practitioner?: string;
}

const IN_EFFECT = new Set(['active', 'completed']);

/** The plans of a record that declare APCM (any status). */
export function apcmPlans(record: Pick<PatientRecord, 'carePlans'>): CarePlanRecord[] {
  return record.carePlans.filter((p) => p.programmes.includes(APCM));
}

/** Whether a plan's period overlaps the month. */
function overlaps(p: CarePlanRecord, month: MonthRange): boolean {
  const start = p.periodStart ?? p.created;
  if (start !== undefined && start >= month.end) return false;
  return p.periodEnd === undefined || p.periodEnd >= month.start;
}

/** The month's APCM marker, or undefined when no APCM plan is in effect during the month. */
export function apcmMarker(record: PatientRecord, month: MonthRange): ApcmMarker | undefined {
  const plans = apcmPlans(record)
    .filter((p) => IN_EFFECT.has(p.status) && overlaps(p, month))
    .sort((a, b) => (b.periodStart ?? b.created ?? 0) - (a.periodStart ?? a.created ?? 0));
  if (plans.length === 0) return undefined;
  const practitioners = [...new Set(plans.flatMap((p) => practitionerOf(record, p.author) ?? []))];
  const practitioner = practitionerOf(record, plans.find((p) => p.author)?.author);
  return { plans, practitioners, ...(practitioner ? { practitioner } : {}) };
}
