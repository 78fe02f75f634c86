/**
 * The CCM consent in force for a month (ccm-rules.md, gate 1): obtained once, verbal or written, recording
 * what the patient was told and whether they accepted; a new consent only when the billing practitioner
 * changes; a revocation takes effect at the end of the month in which it is made (provision.period.end).
 * The latest consent obtained before the month ends decides; minutes count from when the consent chain of
 * the current billing practitioner began.
 */
import type { BillingRules } from '../rules/types.js';
import { monthOf, type MonthRange } from '../time/zone.js';
import type { ConsentRecord, PatientRecord } from './record.js';
import { practitionerOf } from './record.js';

/** none | accepted | declined | revoked (before this month) | revoked-this-month (still billable). */
export type ConsentStatus = 'none' | 'accepted' | 'declined' | 'revoked' | 'revoked-this-month';

/** The consent picture of a month. */
export interface ConsentFinding {
  status: ConsentStatus;
  consent?: ConsentRecord;
  /** The billing practitioner named by the deciding consent (resolved to a Practitioner). */
  practitioner?: string;
  /** Minutes before this instant do not count (consent not yet obtained). */
  countFrom?: number;
  /** Minutes after this instant do not count (revocation effective). */
  countUntil?: number;
  /** When CCM with the current billing practitioner began (start of its consent chain). */
  startedAt?: number;
  /** Reasons the consent gate fails (empty when it passes). */
  problems: string[];
}

const USABLE = new Set(['active', 'inactive', 'rejected']);

/** `YYYY-MM-DD` of an instant in the zone, for messages. */
function day(ms: number | undefined, tz: string): string {
  if (ms === undefined) return 'an unknown date';
  return new Date(ms).toLocaleDateString('en-CA', { timeZone: tz });
}

/** The first consent of the unbroken chain of accepted/revoked consents naming the same practitioner. */
function chainStart(sorted: ConsentRecord[], record: PatientRecord): ConsentRecord {
  let i = sorted.length - 1;
  const who = practitionerOf(record, sorted[i].practitioner);
  while (i > 0) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    const sameWho = practitionerOf(record, prev.practitioner) === who;
    const continuous =
      prev.periodEnd === undefined || cur.obtainedAt === undefined || prev.periodEnd >= cur.obtainedAt;
    if (prev.status === 'rejected' || !sameWho || !continuous) break;
    i--;
  }
  return sorted[i];
}

/** Problems with the content of an accepted consent (method, elements explained, practitioner). */
function contentProblems(c: ConsentRecord, rules: BillingRules): string[] {
  const out: string[] = [];
  if (!c.method || !rules.consent.methods.includes(c.method)) {
    out.push(`${c.ref} does not record how consent was obtained (${rules.consent.methods.join(' or ')})`);
  }
  const missing = rules.consent.requiredElements.filter((e) => !c.elements.includes(e));
  if (missing.length > 0)
    out.push(`${c.ref} does not record that the patient was told: ${missing.join(', ')}`);
  if (!c.practitioner) out.push(`${c.ref} names no billing practitioner (provision.actor with role PPRF)`);
  return out;
}

/** The consent finding of a month. */
export function consentFinding(
  record: PatientRecord,
  month: MonthRange,
  rules: BillingRules,
  tz: string,
): ConsentFinding {
  const sorted = record.consents
    .filter((c) => USABLE.has(c.status) && c.obtainedAt !== undefined && c.obtainedAt < month.end)
    .sort((a, b) => (a.obtainedAt as number) - (b.obtainedAt as number));
  const latest = sorted[sorted.length - 1];
  if (!latest) {
    return {
      status: 'none',
      problems: [`No CCM consent (Consent with category ccm-consent) obtained by the end of ${month.month}`],
    };
  }
  const base = { consent: latest, practitioner: practitionerOf(record, latest.practitioner) };
  if (latest.status === 'rejected') {
    return {
      ...base,
      status: 'declined',
      problems: [`The patient declined CCM (${latest.ref}, ${day(latest.obtainedAt, tz)})`],
    };
  }
  if (latest.status === 'inactive' && (latest.periodEnd === undefined || latest.periodEnd < month.start)) {
    const when =
      latest.periodEnd === undefined
        ? 'no provision.period.end recorded'
        : `effective at the end of ${monthOf(latest.periodEnd, tz)}`;
    return {
      ...base,
      status: 'revoked',
      problems: [`The patient revoked CCM consent (${latest.ref}; ${when})`],
    };
  }
  const start = chainStart(sorted, record);
  return {
    ...base,
    status: latest.status === 'inactive' ? 'revoked-this-month' : 'accepted',
    countFrom: start.obtainedAt,
    countUntil: latest.status === 'inactive' ? latest.periodEnd : undefined,
    startedAt: start.obtainedAt,
    problems: contentProblems(latest, rules),
  };
}
