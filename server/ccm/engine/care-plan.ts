/**
 * The comprehensive care plan of a month (ccm-rules.md, gate 3): a CCM CarePlan in effect during the month
 * (established, implemented, revised or monitored: status active, or completed during the month) and a
 * record that the patient was given a copy. Complex CCM also needs the plan established or substantially
 * revised in that month (EXTENSION.substantialRevision).
 */
import type { MonthRange } from '../time/zone.js';
import { isCcmPlan } from './programme-marker.js';
import type { CarePlanRecord } from './record.js';

/** The care-plan picture of a month. */
export interface CarePlanFinding {
  status: 'none' | 'not-in-effect' | 'no-copy' | 'ok';
  plan?: CarePlanRecord;
  /** Established or substantially revised during the month. */
  revisedInMonth: boolean;
  problems: string[];
}

const IN_EFFECT = new Set(['active', 'completed']);

/** Whether a plan's period overlaps the month. */
function overlaps(p: CarePlanRecord, month: MonthRange): boolean {
  const start = p.periodStart ?? p.created;
  if (start !== undefined && start >= month.end) return false;
  return p.periodEnd === undefined || p.periodEnd >= month.start;
}

/** The care-plan finding of a month (plans marked only for BHI or CoCM are not CCM care plans). */
export function carePlanFinding(all: CarePlanRecord[], month: MonthRange): CarePlanFinding {
  const plans = all.filter(isCcmPlan);
  const dated = plans.filter((p) => overlaps(p, month));
  const candidates = dated
    .filter((p) => IN_EFFECT.has(p.status))
    .sort(
      (a, b) =>
        (a.status === 'active' ? -1 : 0) - (b.status === 'active' ? -1 : 0) ||
        (b.periodStart ?? 0) - (a.periodStart ?? 0),
    );
  const revisedInMonth = candidates.some((p) => p.revisions.some((t) => t >= month.start && t < month.end));
  const plan = candidates[0];
  if (!plan) {
    const other = dated[0] ?? plans[0];
    const problem = other
      ? `${other.ref} is ${other.status}, not in effect during ${month.month} (needs status active or completed)`
      : `No CCM care plan (CarePlan with category ccm-care-plan) in effect during ${month.month}`;
    return {
      status: other ? 'not-in-effect' : 'none',
      plan: other,
      revisedInMonth: false,
      problems: [problem],
    };
  }
  const copied = plan.copyGiven && (plan.copyGivenAt === undefined || plan.copyGivenAt < month.end);
  if (!copied) {
    return {
      status: 'no-copy',
      plan,
      revisedInMonth,
      problems: [`No record that the patient was given a copy of ${plan.ref} (extension patientCopy)`],
    };
  }
  return { status: 'ok', plan, revisedInMonth, problems: [] };
}
