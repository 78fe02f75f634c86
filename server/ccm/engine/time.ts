/**
 * Month aggregation of time entries (ccm-rules.md, "Full blocks only", "A minute counts once"): an entry
 * belongs to the month its start falls in, on the practice's wall clock; time is summed in seconds per
 * programme and role before any block is taken; excluded time never counts (counted toward another service,
 * non-clinical staff, no role, before consent was obtained, after a revocation took effect, after the
 * patient's death). One person's overlapping entries count once ("Overlaps"): entries are taken in order of
 * their start, and each counts only what the same person's earlier entries (of any programme) did not
 * already cover; every overlap is reported as a warning. Minutes inside an Encounter billed as TCM, RPM or RTM
 * (a code of `rules.otherServices`) by the same person were counted toward that service and never count here
 * ("Other programmes: exclusions only"), whichever began first.
 */
import type { BillingRules, TimeRoleCode } from '../rules/types.js';
import type { MonthRange } from '../time/zone.js';
import type { ConsentFinding } from './consent.js';
import { SYSTEM } from '../vocabulary.js';
import { practitionerOf, type DeathRecord, type OtherServiceRecord, type TimeEntryRecord } from './record.js';

/** Seconds of one programme in a month. */
export interface ProgrammeSeconds {
  'clinical-staff': number;
  /** A behavioural-health care manager's time (clinical staff; also counts toward CoCM). */
  'bh-care-manager': number;
  'billing-practitioner': number;
  excluded: number;
}

/** An excluded entry and why. */
export interface ExcludedEntry {
  entry: TimeEntryRecord;
  reason: string;
}

/** Something about the month's time a person should look at (the counts already account for it). */
export interface TimeWarning {
  kind: 'overlap' | 'death' | 'counted-elsewhere';
  /** The entries concerned (for an overlap: the one that began first, then the later one). */
  entries: string[];
  /** Seconds not counted because of it. */
  seconds: number;
  message: string;
}

/** The month's time, per programme and role, with the entries behind it. */
export interface TimeTally {
  byProgramme: Map<string, ProgrammeSeconds>;
  counted: TimeEntryRecord[];
  excluded: ExcludedEntry[];
  warnings: TimeWarning[];
}

/**
 * What else decides what counts: the patient's death, who a PractitionerRole stands for, the consent of each
 * programme that needs its own (BHI, CoCM: minutes before it do not count) and services billed elsewhere.
 */
export interface TallyFacts {
  death?: DeathRecord;
  roleToPractitioner?: Record<string, string>;
  /** programme → its consent finding, for programmes a CCM consent does not cover. */
  consents?: Record<string, ConsentFinding>;
  /** Encounters that may be TCM/RPM/RTM services (those with a code of the rules in force claim their time). */
  otherServices?: OtherServiceRecord[];
}

const COUNTED_ROLES: ReadonlySet<string> = new Set<TimeRoleCode>([
  'clinical-staff',
  'bh-care-manager',
  'billing-practitioner',
]);
const CONSENTED_PROGRAMMES = new Set(['ccm', 'pcm']);
const NOT_HELD = new Set(['cancelled', 'entered-in-error', 'planned']);

/** A claimed interval of one person: a counted entry, or a service billed elsewhere (`service` its programme). */
interface Claimed {
  span: [number, number];
  ref: string;
  service?: string;
}

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
function exclusionOf(
  e: TimeEntryRecord,
  ccmConsent: ConsentFinding,
  rules: BillingRules,
  facts: TallyFacts,
): string | undefined {
  const death = facts.death;
  const consent = CONSENTED_PROGRAMMES.has(e.programme) ? ccmConsent : facts.consents?.[e.programme];
  if (e.status !== 'finished') return `not finished (status ${e.status})`;
  if (death && death.at === undefined) return 'the patient is recorded as deceased without a date';
  if (death?.at !== undefined && (e.start as number) >= death.at)
    return `after the patient's death (${new Date(death.at).toISOString()})`;
  if (e.exclusion !== undefined) {
    return rules.exclusions.includes(e.exclusion) || e.exclusion === 'excluded'
      ? `counted elsewhere (${e.exclusion})`
      : `excluded (${e.exclusion})`;
  }
  if (e.role && (rules.neverCountedRoles as string[]).includes(e.role)) return `${e.role} time never counts`;
  if (!e.role || !COUNTED_ROLES.has(e.role)) return 'no time role (clinical-staff or billing-practitioner)';
  if (consent) {
    if (consent.countFrom !== undefined && (e.start as number) < consent.countFrom)
      return 'before consent was obtained';
    if (consent.countUntil !== undefined && (e.start as number) > consent.countUntil)
      return 'after the revocation took effect';
  }
  return undefined;
}

/** One entry's interval [from, to) in epoch ms, cut at the patient's death. */
function intervalOf(e: TimeEntryRecord, death: DeathRecord | undefined): [number, number] {
  const from = e.start as number;
  const to = from + e.seconds * 1000;
  return [from, death?.at !== undefined ? Math.min(to, death.at) : to];
}

/** Milliseconds of [from, to) covered by a person's claimed intervals, and the claims they belong to. */
function coveredBy(
  [from, to]: [number, number],
  earlier: Claimed[],
): { ms: number; entries: Array<{ claim: Claimed; ms: number }> } {
  const cuts: Array<[number, number]> = [];
  const entries: Array<{ claim: Claimed; ms: number }> = [];
  for (const claim of earlier) {
    const lo = Math.max(from, claim.span[0]);
    const hi = Math.min(to, claim.span[1]);
    if (hi > lo) {
      cuts.push([lo, hi]);
      entries.push({ claim, ms: hi - lo });
    }
  }
  cuts.sort((a, b) => a[0] - b[0]);
  let ms = 0;
  let reach = from;
  for (const [lo, hi] of cuts) {
    if (hi > reach) ms += hi - Math.max(lo, reach);
    reach = Math.max(reach, hi);
  }
  return { ms, entries };
}

/** The person an entry's time belongs to (an entry naming nobody is its own person). */
function personOf(e: { individual?: string; ref?: string }, facts: TallyFacts): string {
  return practitionerOf({ roleToPractitioner: facts.roleToPractitioner ?? {} }, e.individual) ?? e.ref ?? '';
}

/** The month's entries in the order their time is claimed: by start, then by reference. */
function byStart(entries: TimeEntryRecord[]): TimeEntryRecord[] {
  return [...entries].sort((a, b) => (a.start as number) - (b.start as number) || (a.ref < b.ref ? -1 : 1));
}

/** Seconds an entry counts for after the patient's death and the same person's earlier entries. */
function claim(e: TimeEntryRecord, facts: TallyFacts, earlier: Claimed[], warnings: TimeWarning[]): number {
  const span = intervalOf(e, facts.death);
  const full = e.start as number;
  const cutAtDeath = e.seconds - Math.floor((span[1] - full) / 1000);
  if (cutAtDeath > 0) {
    warnings.push({
      kind: 'death',
      entries: [e.ref],
      seconds: cutAtDeath,
      message: `${e.ref} runs past the patient's death: counted up to it (${cutAtDeath} s not counted)`,
    });
  }
  const covered = coveredBy(span, earlier);
  for (const o of covered.entries) {
    const seconds = Math.ceil(o.ms / 1000);
    warnings.push(
      o.claim.service
        ? {
            kind: 'counted-elsewhere',
            entries: [o.claim.ref, e.ref],
            seconds,
            message:
              `${e.ref} overlaps ${o.claim.ref}, billed as ${o.claim.service.toUpperCase()} by the same person ` +
              `(${seconds} s): minutes counted toward ${o.claim.service.toUpperCase()} never count here`,
          }
        : {
            kind: 'overlap',
            entries: [o.claim.ref, e.ref],
            seconds,
            message:
              `${e.ref} overlaps ${o.claim.ref} by the same person (${seconds} s): ` +
              `the overlap counts once, for ${o.claim.ref}, which began first`,
          },
    );
  }
  earlier.push({ span, ref: e.ref });
  return Math.floor((span[1] - span[0] - covered.ms) / 1000);
}

/** Sums a month's entries in seconds per programme and role. */
export function tallyTime(
  inMonth: TimeEntryRecord[],
  consent: ConsentFinding,
  rules: BillingRules,
  facts: TallyFacts = {},
): TimeTally {
  const tally: TimeTally = {
    byProgramme: new Map([['ccm', blank()]]),
    counted: [],
    excluded: [],
    warnings: [],
  };
  const claimed = servicesClaimed(rules, facts);
  for (const e of byStart(inMonth)) {
    let bucket = tally.byProgramme.get(e.programme);
    if (!bucket) {
      bucket = blank();
      tally.byProgramme.set(e.programme, bucket);
    }
    const reason = exclusionOf(e, consent, rules, facts);
    const person = personOf(e, facts);
    const earlier = claimed.get(person) ?? [];
    claimed.set(person, earlier);
    if (reason) {
      // minutes counted toward another service still claim their interval (a minute counts once)
      if (e.exclusion !== undefined && e.status === 'finished')
        earlier.push({ span: intervalOf(e, facts.death), ref: e.ref });
      bucket.excluded += e.seconds;
      tally.excluded.push({ entry: e, reason });
      continue;
    }
    const seconds = claim(e, facts, earlier, tally.warnings);
    bucket.excluded += e.seconds - seconds;
    if (seconds > 0) {
      bucket[e.role as 'clinical-staff' | 'bh-care-manager' | 'billing-practitioner'] += seconds;
      tally.counted.push(e);
    } else {
      tally.excluded.push({ entry: e, reason: 'wholly overlapped by earlier entries of the same person' });
    }
  }
  return tally;
}

/**
 * The intervals of services billed elsewhere (an Encounter coded with a TCM/RPM/RTM code of the rules in
 * force), claimed for each participant before any entry: their minutes never count here.
 */
function servicesClaimed(rules: BillingRules, facts: TallyFacts): Map<string, Claimed[]> {
  const claimed = new Map<string, Claimed[]>();
  const programmeOf = new Map<string, string>();
  for (const [programme, codes] of Object.entries(rules.otherServices.codes))
    for (const c of codes) programmeOf.set(`${SYSTEM.cpt}|${c}`, programme);
  for (const s of facts.otherServices ?? []) {
    const code = s.codes.find((c) => programmeOf.has(c));
    if (!code || NOT_HELD.has(s.status)) continue;
    const service = `${programmeOf.get(code)} (${code.split('|')[1]})`;
    for (const p of new Set(s.participants.map((x) => personOf({ individual: x }, facts)))) {
      const list = claimed.get(p) ?? [];
      list.push({ span: [s.start as number, s.end as number], ref: s.ref, service });
      claimed.set(p, list);
    }
  }
  return claimed;
}

/** Seconds of the listed roles (roles whose time never counts add nothing). */
export function secondsOfRoles(s: ProgrammeSeconds | undefined, roles: readonly TimeRoleCode[]): number {
  if (!s) return 0;
  return roles.reduce(
    (sum, r) => sum + (r === 'non-clinical-staff' || r === 'psychiatric-consultant' ? 0 : s[r]),
    0,
  );
}

/** Counted seconds of a programme (every counted role). */
export function countedSecondsOf(s: ProgrammeSeconds | undefined): number {
  return s ? s['clinical-staff'] + s['bh-care-manager'] + s['billing-practitioner'] : 0;
}

/** Zero seconds. */
export function blank(): ProgrammeSeconds {
  return { 'clinical-staff': 0, 'bh-care-manager': 0, 'billing-practitioner': 0, excluded: 0 };
}
