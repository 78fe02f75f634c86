/**
 * The billing practitioner of a month (ccm-rules.md, "Who bills"): the one the practice assigned to the
 * patient's care management for that month — a CareTeam member in the billing-practitioner role whose
 * participation overlaps the month (the latest assignment when several do), else the author of the care plan
 * in effect — never whoever logged time. Staff time is furnished under that practitioner.
 */
import type { MonthRange } from '../time/zone.js';
import { carePlanFinding } from './care-plan.js';
import { isCcmPlan } from './programme-marker.js';
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

/** An assignment of another practitioner that began at `start`. */
export interface ChangeAway {
  practitioner: string;
  ref: string;
  start: number;
}

/**
 * The latest assignment of a practitioner other than the month's, of the same kind (CareTeam role or care
 * plan author), that began before the month ends: a consent of the month's practitioner obtained before it
 * predates a change of billing practitioner and no longer counts (a change back needs a new consent).
 */
export function lastChangeAway(
  record: PatientRecord,
  assignment: Assignment,
  month: MonthRange,
): ChangeAway | undefined {
  const others =
    assignment.source === 'care-team'
      ? record.careTeams.map((t) => ({ who: t.practitioner, ref: t.ref, start: t.start }))
      : record.carePlans
          .filter((p) => (p.status === 'active' || p.status === 'completed') && isCcmPlan(p))
          .map((p) => ({ who: p.author, ref: p.ref, start: p.periodStart ?? p.created }));
  let latest: ChangeAway | undefined;
  for (const o of others) {
    const who = practitionerOf(record, o.who);
    if (!who || who === assignment.practitioner || o.start === undefined || o.start >= month.end) continue;
    if (!latest || o.start > latest.start) latest = { practitioner: who, ref: o.ref, start: o.start };
  }
  return latest;
}
