/**
 * Month aggregation of time entries (ccm-rules.md, "Full blocks only", "A minute counts once"): an entry
 * belongs to the month its start falls in, on the practice's wall clock; time is summed in seconds per
 * programme and role before any block is taken; excluded time never counts (counted toward another service,
 * non-clinical staff, no role, before consent was obtained, after a revocation took effect).
 */
import type { BillingRules, TimeRoleCode } from '../rules/types.js';
import type { MonthRange } from '../time/zone.js';
import type { ConsentFinding } from './consent.js';
import type { TimeEntryRecord } from './record.js';

/** Seconds of one programme in a month. */
export interface ProgrammeSeconds {
  'clinical-staff': number;
  'billing-practitioner': number;
  excluded: number;
}

/** An excluded entry and why. */
export interface ExcludedEntry {
  entry: TimeEntryRecord;
  reason: string;
}

/** The month's time, per programme and role, with the entries behind it. */
export interface TimeTally {
  byProgramme: Map<string, ProgrammeSeconds>;
  counted: TimeEntryRecord[];
  excluded: ExcludedEntry[];
}

const COUNTED_ROLES: ReadonlySet<string> = new Set<TimeRoleCode>(['clinical-staff', 'billing-practitioner']);
const CONSENTED_PROGRAMMES = new Set(['ccm', 'pcm']);

/** Entries that belong to the month: finished, started within [start, end). */
export function entriesInMonth(entries: TimeEntryRecord[], month: MonthRange): TimeEntryRecord[] {
  return entries.filter(
    (e) =>
      e.start !== undefined &&
      e.start >= month.start &&
      e.start < month.end &&
      e.status !== 'entered-in-error',
  );
}

/** Why an entry does not count, or undefined when it counts. */
function exclusionOf(e: TimeEntryRecord, consent: ConsentFinding, rules: BillingRules): string | undefined {
  if (e.status !== 'finished') return `not finished (status ${e.status})`;
  if (e.exclusion !== undefined) {
    return rules.exclusions.includes(e.exclusion) || e.exclusion === 'excluded'
      ? `counted elsewhere (${e.exclusion})`
      : `excluded (${e.exclusion})`;
  }
  if (e.role && (rules.neverCountedRoles as string[]).includes(e.role)) return `${e.role} time never counts`;
  if (!e.role || !COUNTED_ROLES.has(e.role)) return 'no time role (clinical-staff or billing-practitioner)';
  if (CONSENTED_PROGRAMMES.has(e.programme)) {
    if (consent.countFrom !== undefined && (e.start as number) < consent.countFrom)
      return 'before consent was obtained';
    if (consent.countUntil !== undefined && (e.start as number) > consent.countUntil)
      return 'after the revocation took effect';
  }
  return undefined;
}

/** Sums a month's entries in seconds per programme and role. */
export function tallyTime(
  inMonth: TimeEntryRecord[],
  consent: ConsentFinding,
  rules: BillingRules,
): TimeTally {
  const tally: TimeTally = { byProgramme: new Map([['ccm', blank()]]), counted: [], excluded: [] };
  for (const e of inMonth) {
    let bucket = tally.byProgramme.get(e.programme);
    if (!bucket) {
      bucket = blank();
      tally.byProgramme.set(e.programme, bucket);
    }
    const reason = exclusionOf(e, consent, rules);
    if (reason) {
      bucket.excluded += e.seconds;
      tally.excluded.push({ entry: e, reason });
    } else {
      bucket[e.role as 'clinical-staff' | 'billing-practitioner'] += e.seconds;
      tally.counted.push(e);
    }
  }
  return tally;
}

/** Zero seconds. */
function blank(): ProgrammeSeconds {
  return { 'clinical-staff': 0, 'billing-practitioner': 0, excluded: 0 };
}
