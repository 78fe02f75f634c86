/**
 * The CCM consent in force for a month (ccm-rules.md, gate 1): obtained once, verbal or written, recording
 * what the patient was told and whether they accepted, naming the month's billing practitioner (the assigned
 * one, "Who bills"); a new consent, obtained by the new practitioner, when that practitioner changes. A
 * revocation is its own dated fact (EXTENSION.consentRevoked) that never moves the consent date and takes
 * effect at the end of the month in which it is made (provision.period.end): that month and earlier months
 * keep their consent. The latest consent naming the practitioner obtained before the month ends decides;
 * minutes count from when the consent chain of that practitioner began.
 */
import type { BillingRules } from '../rules/types.js';
import { monthOf, monthRange, type MonthRange } from '../time/zone.js';
import {
  assignedPractitioner,
  lastChangeAway,
  type Assignment,
  type ChangeAway,
} from './billing-practitioner.js';
import type { ConsentRecord, PatientRecord } from './record.js';
import { practitionerOf } from './record.js';

/** none | accepted | declined | revoked (before this month) | revoked-this-month (still billable). */
export type ConsentStatus = 'none' | 'accepted' | 'declined' | 'revoked' | 'revoked-this-month';

/** The consent picture of a month. */
export interface ConsentFinding {
  status: ConsentStatus;
  consent?: ConsentRecord;
  /** The month's billing practitioner: the assigned one, else the one the deciding consent names. */
  practitioner?: string;
  /** How the month's billing practitioner was assigned (CareTeam role or care plan author), when recorded. */
  assignment?: Assignment;
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

/** The programme a consent is looked for: CCM (covering PCM), APCM, BHI or CoCM. */
export type ConsentProgramme = 'ccm' | 'apcm' | 'bhi' | 'cocm';

/**
 * Whether a consent covers a programme (ccm-rules.md gate 1): a consent naming no programme, or naming CCM or
 * PCM, is a CCM consent and covers CCM and PCM; APCM, BHI and CoCM are covered only by a consent naming each
 * [decision: a BHI consent does not cover CoCM, nor the reverse].
 */
export function consentCovers(c: Pick<ConsentRecord, 'programmes'>, programme: ConsentProgramme): boolean {
  if (programme !== 'ccm') return c.programmes.includes(programme);
  return c.programmes.length === 0 || c.programmes.includes('ccm') || c.programmes.includes('pcm');
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

/** The instant a revocation takes effect: provision.period.end, else the end of the revocation's month. */
function effectiveEnd(c: ConsentRecord, tz: string): number | undefined {
  if (c.periodEnd !== undefined) return c.periodEnd;
  return c.revokedAt === undefined ? undefined : monthRange(monthOf(c.revokedAt, tz), tz).end - 1;
}

/**
 * Whether the revocation of an inactive consent was made before `end` (a month before it keeps an accepted
 * consent). Without a revocation date (a consent revoked the day it was obtained, written before
 * EXTENSION.consentRevoked) its dateTime is the revocation.
 */
function revokedBefore(c: ConsentRecord, end: number): boolean {
  if (c.status !== 'inactive') return false;
  const at = c.revokedAt ?? c.obtainedAt;
  return at !== undefined && at < end;
}

/** How the month's billing practitioner was assigned, for messages. */
function assignedBy(a: Assignment): string {
  return a.source === 'care-team' ? `billing-practitioner role in ${a.ref}` : `author of ${a.ref}`;
}

/** The finding when the month's assigned practitioner has no consent on file. */
function noConsent(
  record: PatientRecord,
  month: MonthRange,
  assignment: Assignment | undefined,
  others: ConsentRecord[],
  label: string,
): ConsentFinding {
  const latest = others[others.length - 1];
  if (!assignment || !latest) {
    return {
      status: 'none',
      practitioner: assignment?.practitioner,
      assignment,
      problems: [
        label === 'CCM'
          ? `No CCM consent (Consent with category ccm-consent) obtained by the end of ${month.month}`
          : `No ${label} consent (Consent with category ccm-consent and ccm-program#${label.toLowerCase()}) ` +
            `obtained by the end of ${month.month}: a CCM consent does not cover ${label}`,
      ],
    };
  }
  const p = assignment.practitioner;
  return {
    status: 'none',
    practitioner: p,
    assignment,
    problems: [
      `The billing practitioner of ${month.month} is ${p} (${assignedBy(assignment)}), but no ${label} consent names ${p} ` +
        `(${latest.ref} names ${practitionerOf(record, latest.practitioner) ?? 'no practitioner'}): ` +
        `a new consent obtained by ${p} is needed when the billing practitioner changes; minutes before it do not count`,
    ],
  };
}

/** The finding when the practitioner's consent predates a change to another practitioner (and back). */
function staleConsent(
  old: ConsentRecord,
  assignment: Assignment,
  away: ChangeAway,
  tz: string,
): ConsentFinding {
  const p = assignment.practitioner;
  return {
    status: 'none',
    practitioner: p,
    assignment,
    problems: [
      `${old.ref} (${day(old.obtainedAt, tz)}) predates the change of billing practitioner to ${away.practitioner} ` +
        `(${away.ref}, ${day(away.start, tz)}): a new consent obtained by ${p} is needed when the billing practitioner changes`,
    ],
  };
}

/**
 * The consent finding of a month: the latest consent naming the month's assigned billing practitioner
 * (billing-practitioner.ts; any practitioner when none is assigned) obtained before the month ends.
 */
export function consentFinding(
  record: PatientRecord,
  month: MonthRange,
  rules: BillingRules,
  tz: string,
  programme: ConsentProgramme = 'ccm',
): ConsentFinding {
  const label = programme === 'cocm' ? 'CoCM' : programme.toUpperCase();
  const assignment = assignedPractitioner(record, month);
  const usable = record.consents
    .filter(
      (c) =>
        USABLE.has(c.status) &&
        c.obtainedAt !== undefined &&
        c.obtainedAt < month.end &&
        consentCovers(c, programme),
    )
    .sort((a, b) => (a.obtainedAt as number) - (b.obtainedAt as number));
  const mine = assignment
    ? usable.filter((c) => practitionerOf(record, c.practitioner) === assignment.practitioner)
    : usable;
  const away = assignment ? lastChangeAway(record, assignment, month) : undefined;
  const sorted = away ? mine.filter((c) => (c.obtainedAt as number) > away.start) : mine;
  const latest = sorted[sorted.length - 1];
  if (!latest && away && assignment && mine.length > 0)
    return staleConsent(mine[mine.length - 1], assignment, away, tz);
  if (!latest) return noConsent(record, month, assignment, usable, label);
  const base = {
    consent: latest,
    practitioner: assignment?.practitioner ?? practitionerOf(record, latest.practitioner),
    assignment,
  };
  if (latest.status === 'rejected') {
    return {
      ...base,
      status: 'declined',
      problems: [`The patient declined ${label} (${latest.ref}, ${day(latest.obtainedAt, tz)})`],
    };
  }
  const until = latest.status === 'inactive' ? effectiveEnd(latest, tz) : undefined;
  if (latest.status === 'inactive' && (until === undefined || until < month.start)) {
    const when =
      until === undefined
        ? 'no provision.period.end recorded'
        : `effective at the end of ${monthOf(until, tz)}`;
    const revokedOn = latest.revokedAt === undefined ? '' : `, revoked ${day(latest.revokedAt, tz)}`;
    return {
      ...base,
      status: 'revoked',
      problems: [
        `The patient revoked ${label} consent (${latest.ref}, obtained ${day(latest.obtainedAt, tz)}${revokedOn}; ${when}): ` +
          'a new consent is needed before minutes count again',
      ],
    };
  }
  const start = chainStart(sorted, record);
  return {
    ...base,
    status: revokedBefore(latest, month.end) ? 'revoked-this-month' : 'accepted',
    countFrom: start.obtainedAt,
    countUntil: until,
    startedAt: start.obtainedAt,
    problems: contentProblems(latest, rules),
  };
}
