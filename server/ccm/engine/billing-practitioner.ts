/**
 * The billing practitioner of a month (ccm-rules.md, "Who bills"): the one the practice assigned to the
 * patient's care management for that month — a CareTeam member in the billing-practitioner role whose
 * participation overlaps the month (the latest assignment when several do), else the author of the care plan
 * in effect — never whoever logged time. Staff time is furnished under that practitioner.
 */
import type { MonthRange } from '../time/zone.js';
import { carePlanFinding } from './care-plan.js';
import { practitionerOf, type CareTeamRecord, type PatientRecord } from './record.js';

/** Who bills a month and which resource says so. */
export interface Assignment {
  practitioner: string;
  source: 'care-team' | 'care-plan';
  /** The CareTeam or CarePlan that assigns the practitioner. */
  ref: string;
}

/** Whether a CareTeam participation covers part of the month. */
function inMonth(t: CareTeamRecord, month: MonthRange): boolean {
  if (t.status === 'inactive' && t.end === undefined) return false;
  if (t.start !== undefined && t.start >= month.end) return false;
  return t.end === undefined || t.end >= month.start;
}

/** The month's assigned billing practitioner (resolved to a Practitioner), or undefined when none is recorded. */
export function assignedPractitioner(record: PatientRecord, month: MonthRange): Assignment | undefined {
  const team = record.careTeams
    .filter((t) => inMonth(t, month))
    .sort((a, b) => (b.start ?? -Infinity) - (a.start ?? -Infinity))[0];
  if (team) {
    const who = practitionerOf(record, team.practitioner) as string;
    return { practitioner: who, source: 'care-team', ref: team.ref };
  }
  const plan = carePlanFinding(record.carePlans, month);
  if (plan.plan && (plan.status === 'ok' || plan.status === 'no-copy') && plan.plan.author) {
    const who = practitionerOf(record, plan.plan.author) as string;
    return { practitioner: who, source: 'care-plan', ref: plan.plan.ref };
  }
  return undefined;
}
