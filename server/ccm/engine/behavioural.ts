/**
 * BHI (99484) and CoCM (99492, 99493, +99494, G2214) for one month (ccm-rules.md, "Time-based codes", "BHI and
 * CoCM", gates 1, 4, 5). A programme's month is evaluated when it carries the programme's marker (a CCM CarePlan
 * marked `ccm-program#bhi` or `#cocm`, programme-marker.ts) or has work recorded under it. The plan's author is
 * the month's billing practitioner of the programme, and the plan addresses the mental, behavioural or
 * substance-use condition that practitioner judges to warrant it. Gates: patient alive, a consent naming the
 * programme (a CCM consent does not cover it), that condition, an initiating visit within the year before the
 * programme began, for CoCM a behavioural-health care manager and a psychiatric consultant on the care team,
 * one practitioner, and no 99484 with CoCM by the same practitioner (documented work of both fails both).
 * 99484 needs 20 full minutes; CoCM follows the CPT time rule with whole-minute thresholds from the rules.
 * With a CY2026 APCM add-on billed for the same work, the programme's own codes never bill. All numbers come
 * from `rules.behavioural`.
 */
import type { BehaviouralFamily, BillingRules, GateName } from '../rules/types.js';
import { monthRange, shiftMonth } from '../time/zone.js';
import type { ApcmSummary } from './apcm.js';
import {
  conditionGate,
  gate,
  labelOf,
  noConflict,
  onePractitioner,
  teamGate,
  visitGate,
  workOf,
  type BehaviouralPrelude,
} from './behavioural-gates.js';
import { consentFinding, type ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import type { BillingLine } from './families.js';
import { patientAliveGate, type GateResult } from './gates.js';
import { programmeMarker, type ProgrammeMarker } from './programme-marker.js';
import type { PatientRecord, TeamRoleRecord, TimeEntryRecord, VisitRecord } from './record.js';
import { blank, countedSecondsOf, secondsOfRoles, type ProgrammeSeconds, type TimeTally } from './time.js';

export type { BehaviouralPrelude } from './behavioural-gates.js';

/** One BHI or CoCM month. */
export interface BehaviouralSummary {
  programme: 'bhi' | 'cocm';
  family: BehaviouralFamily;
  practitioner?: string;
  marker?: ProgrammeMarker;
  consent: ConsentFinding;
  /** The addressed conditions that warrant the programme, with their claim code. */
  conditions: Array<{ ref: string; icd10: string }>;
  /** CoCM: the month of the episode (first: no CoCM in the lookback before). */
  episode?: 'first' | 'later';
  seconds: ProgrammeSeconds;
  /** Seconds of the family's counted roles. */
  countedSeconds: number;
  /** What the month's time reaches, gates aside. */
  reached: BillingLine[];
  lines: BillingLine[];
  gates: GateResult[];
  billable: boolean;
  initiatingVisit?: VisitRecord;
  team: TeamRoleRecord[];
  /** Counted time entries of the programme. */
  timeEntries: string[];
  /** The APCM add-on that bills this work instead (CY2026). */
  billedWithApcm?: string;
  notes: string[];
}

/**
 * The record as a programme sees it: its marked plans only (as plans assigning their author, so that the consent
 * must name the author) and no CareTeam billing assignment.
 */
function programmeView(record: PatientRecord, marker: ProgrammeMarker | undefined): PatientRecord {
  const plans = (marker?.plans ?? []).map((p) => ({ ...p, programmes: [] }));
  return { ...record, careTeams: [], carePlans: plans };
}

/** The programmes with a marker or work this month, with their consent (before the month's time is tallied). */
export function behaviouralPreludes(
  record: PatientRecord,
  ctx: EngineContext,
  inMonth: TimeEntryRecord[],
): BehaviouralPrelude[] {
  return ctx.rules.behavioural.families.flatMap((family) => {
    const marker = programmeMarker(record, ctx.month, family.programme);
    if (!marker && workOf(inMonth, family.programme).length === 0) return [];
    const view = programmeView(record, marker);
    const consent = consentFinding(view, ctx.month, ctx.rules, ctx.tz, family.programme);
    return [{ family, ...(marker ? { marker } : {}), consent }];
  });
}

/** Whether CoCM time was recorded in the lookback months before the month (an episode's first month has none). */
export function episodeOf(record: PatientRecord, programme: string, ctx: EngineContext): 'first' | 'later' {
  const from = monthRange(
    shiftMonth(ctx.month.month, -ctx.rules.behavioural.episodeLookbackMonths),
    ctx.tz,
  ).start;
  const before = record.timeEntries.some(
    (e) =>
      e.programme === programme &&
      e.status === 'finished' &&
      e.start !== undefined &&
      e.start >= from &&
      e.start < ctx.month.start,
  );
  return before ? 'later' : 'first';
}

/**
 * The lines a number of whole minutes reaches: the base code of the episode from its threshold, the add-on's
 * first unit from its own threshold then one per further block (capped), else the short-month code.
 */
export function behaviouralLines(
  family: BehaviouralFamily,
  minutes: number,
  episode: 'first' | 'later',
): BillingLine[] {
  const base = family.bases.find((b) => b.episode === 'any' || b.episode === episode);
  if (base && minutes >= base.thresholdMinutes) {
    const lines: BillingLine[] = [{ code: base.code, system: base.system, units: 1 }];
    const addOn = family.addOn;
    const first = addOn?.firstUnitMinutes[base.code];
    if (addOn && first !== undefined && minutes >= first) {
      const units = 1 + Math.floor((minutes - first) / addOn.blockMinutes);
      lines.push({
        code: addOn.code,
        system: addOn.system,
        units: addOn.cap === null ? units : Math.min(units, addOn.cap),
      });
    }
    return lines;
  }
  const short = family.shortMonth;
  if (short && minutes >= short.thresholdMinutes)
    return [{ code: short.code, system: short.system, units: 1 }];
  return [];
}

/** Evaluates the BHI and CoCM months of a patient from their preludes and the month's tally. */
export function evaluateBehavioural(
  record: PatientRecord,
  ctx: EngineContext,
  preludes: BehaviouralPrelude[],
  inMonth: TimeEntryRecord[],
  tally: TimeTally,
): BehaviouralSummary[] {
  return preludes.map((p) => {
    const family = p.family;
    const seconds = tally.byProgramme.get(family.programme) ?? blank();
    const counted = secondsOfRoles(seconds, family.countedRoles);
    const notes: string[] = [];
    const uncounted = countedSecondsOf(seconds) - counted;
    if (uncounted > 0) {
      notes.push(
        `${Math.floor(uncounted / 60)} min ${uncounted % 60} s of ${labelOf(family)} time by roles whose time does ` +
          `not count toward it (counted: ${family.countedRoles.join(', ')})`,
      );
    }
    const episode = family.bases.some((b) => b.episode !== 'any')
      ? episodeOf(record, family.programme, ctx)
      : undefined;
    const reached = behaviouralLines(family, Math.floor(counted / 60), episode ?? 'first');
    const conditions = conditionGate(record, p, ctx);
    const visit = visitGate(record, p, ctx);
    const team = teamGate(record, family, ctx);
    const byName: Partial<Record<GateName, GateResult>> = {
      'patient-alive': patientAliveGate(record, ctx.month),
      consent: gate('consent', p.consent.problems),
      'behavioural-condition': conditions.gate,
      'initiating-visit': { name: 'initiating-visit', passed: visit.passed, reasons: visit.reasons },
      'cocm-team': team.gate,
      'one-practitioner': onePractitioner(record, p, inMonth),
      'no-conflict': noConflict(record, p, inMonth, ctx),
    };
    const gates = family.gates.flatMap((g) => byName[g] ?? []);
    const passed = gates.every((g) => g.passed);
    const practitioner = p.marker?.practitioner ?? p.consent.practitioner;
    return {
      programme: family.programme,
      family,
      ...(practitioner ? { practitioner } : {}),
      ...(p.marker ? { marker: p.marker } : {}),
      consent: p.consent,
      conditions: conditions.conditions,
      ...(episode ? { episode } : {}),
      seconds,
      countedSeconds: counted,
      reached,
      lines: passed ? reached : [],
      gates,
      billable: passed && reached.length > 0,
      ...(visit.visit ? { initiatingVisit: visit.visit } : {}),
      team: team.team,
      timeEntries: tally.counted.filter((e) => e.programme === family.programme).map((e) => e.ref),
      notes,
    };
  });
}

/**
 * CY2026: when APCM bills an add-on for a programme's work (G0570 for BHI, G0568/G0569 for CoCM), that work
 * bills as the add-on, never also as 99484 or 99492-99494 (ccm-rules.md, "APCM").
 */
export function withApcmAddOns(
  summaries: BehaviouralSummary[],
  apcm: ApcmSummary | undefined,
  rules: BillingRules,
): BehaviouralSummary[] {
  if (!apcm) return summaries;
  return summaries.map((s) => {
    const addOn = rules.apcm.behaviouralAddOns.find(
      (a) => a.programme === s.programme && apcm.lines.some((l) => l.code === a.code),
    );
    if (!addOn) return s;
    return {
      ...s,
      lines: [],
      billable: false,
      billedWithApcm: addOn.code,
      notes: [
        ...s.notes,
        `This month's ${labelOf(s.family)} work bills as ${addOn.code} with APCM (same practitioner, same month): ` +
          `never also as ${s.reached.map((l) => l.code).join(', ') || addOn.mirrors}`,
      ],
    };
  });
}
