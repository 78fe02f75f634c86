/**
 * The practice-wide records for a month, from the cached type views (read-model.ts): one bulk query per
 * resource type when a view is first used or a new month window is asked for, change-only queries after
 * that. Records are rebuilt only for patients whose resources changed, and each carries a stamp that
 * changes with it, so that evaluations can be reused until the patient's data changes. Refreshes are
 * serialised so concurrent reports share them.
 */
import type {
  CarePlan,
  CareTeam,
  Condition,
  Consent,
  Coverage,
  Encounter,
  Patient,
  PractitionerRole,
  Resource,
} from 'fhir/r4.js';
import type { FhirServices } from '../../fhir/services.js';
import type { EngineContext } from '../engine/context.js';
import {
  bhTeamRecords,
  otherServiceRecord,
  careTeamRecord,
  carePlanRecord,
  conditionRecord,
  consentRecord,
  deathOf,
  qmbRecord,
  timeEntryRecord,
  visitRecord,
} from '../engine/extract.js';
import type {
  CarePlanRecord,
  CareTeamRecord,
  ConditionRecord,
  ConsentRecord,
  DeathRecord,
  OtherServiceRecord,
  QmbRecord,
  PatientRecord,
  TeamRoleRecord,
  TimeEntryRecord,
  VisitRecord,
} from '../engine/record.js';
import { monthOf, monthRange, shiftMonth } from '../time/zone.js';
import { CATEGORY, PROGRAM, VISIT_CLASS } from '../vocabulary.js';
import { displayName } from './patient-loader.js';
import { TypeView } from './read-model.js';
import { ALL, type Where } from '../../storage/repository.js';

/** Some entry of token parameter `code` has one of `codes` (any system). */
function codeIn(code: string, codes: readonly string[]): Where {
  return {
    kind: 'match',
    name: code,
    code,
    not: false,
    anyOf: codes.map((c) => ({ type: 'token', code: c })),
  };
}

/** Some entry of date parameter `code` starts in [lo, hi) (epoch ms). */
function startsIn(code: string, lo: number, hi: number): Where {
  return {
    kind: 'and',
    of: [
      // `sa` with hi = lo - 1: the entry starts after lo - 1, i.e. at or after lo
      {
        kind: 'match',
        name: code,
        code,
        not: false,
        anyOf: [{ type: 'date', prefix: 'sa', lo: lo - 1, hi: lo - 1 }],
      },
      // `lt`: the entry starts before hi
      { kind: 'match', name: code, code, not: false, anyOf: [{ type: 'date', prefix: 'lt', lo: hi, hi }] },
    ],
  };
}

const DAY = 24 * 3600 * 1000;
const ACTIVE_STATUSES = ['active', 'recurrence', 'relapse'];

/** Lets other work run between the bulk loads of a warm-up (e.g. one turn of the event loop). */
export type Pause = () => Promise<void>;

/** The records of a month and their change stamps. */
export interface PracticeRecords {
  records: ReadonlyMap<string, PatientRecord>;
  /** patient → stamp; a patient's stamp changes whenever its record does. */
  stamps: ReadonlyMap<string, number>;
  /** Changes when practitioner roles change (they affect every record). */
  globalStamp: number;
}

/** The patient a reference names, when it is a local Patient reference. */
function patientOf(reference: string | undefined): string | undefined {
  return reference?.startsWith('Patient/') ? reference : undefined;
}

/** A reader that files a value under the resource's patient. */
function forPatient<R extends Resource, T>(
  pick: (r: R) => string | undefined,
  read: (r: R) => T | undefined,
) {
  return (resource: Resource) => {
    const patient = patientOf(pick(resource as R));
    const value = patient ? read(resource as R) : undefined;
    return patient && value !== undefined ? { patient, value } : undefined;
  };
}

/** Active conditions only (a condition that stops being active leaves the view). */
const activeCondition = (tz: string) => (c: Condition) =>
  ACTIVE_STATUSES.includes(c.clinicalStatus?.coding?.[0]?.code ?? '') ? conditionRecord(c, tz) : undefined;

/** What a record keeps of the Patient itself: its display name and its death. */
function patientFacts(p: Patient, tz: string): { name?: string; death?: DeathRecord } {
  const name = displayName(p.name);
  const death = deathOf(p, tz);
  return { ...(name ? { name } : {}), ...(death ? { death } : {}) };
}

/** The month's time entries and the earlier CoCM entries of the episode lookback, each once. */
function withEpisodes(entries: TimeEntryRecord[], episodes: TimeEntryRecord[]): TimeEntryRecord[] {
  if (episodes.length === 0) return entries;
  const seen = new Set(entries.map((e) => e.ref));
  return [...entries, ...episodes.filter((e) => !seen.has(e.ref))];
}

/** Every patient's records, kept in memory and refreshed from the store. */
export class PracticeModel {
  private readonly patients: TypeView<{ name?: string; death?: DeathRecord }>;
  private readonly conditions: TypeView<ConditionRecord>;
  private readonly consents: TypeView<ConsentRecord>;
  private readonly plans: TypeView<CarePlanRecord>;
  /**
   * Per CareTeam: its billing-practitioner assignments ("Who bills") and its behavioural-health roles (CoCM),
   * read by one view so that CareTeams are loaded once.
   */
  private readonly teams: TypeView<{ billing: CareTeamRecord[]; bh: TeamRoleRecord[] }>;
  private readonly entries: TypeView<TimeEntryRecord>;
  /** CoCM time entries of the months before (an episode's first month has none in the lookback). */
  private readonly episodes: TypeView<TimeEntryRecord>;
  /** Encounters coded as TCM/RPM/RTM services (their minutes never count). */
  private readonly services_: TypeView<OtherServiceRecord>;
  private readonly visits: TypeView<VisitRecord>;
  /** Qualified Medicare Beneficiary coverages (APCM level G0558). */
  private readonly coverages: TypeView<QmbRecord>;
  private readonly roles: TypeView<string>;
  private readonly dirty = new Set<string>();
  private readonly records = new Map<string, PatientRecord>();
  private readonly stamps = new Map<string, number>();
  private readonly roleToPractitioner: Record<string, string> = {};
  private rolesDirty = false;
  private globalStamp = 0;
  private stampCounter = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly services: FhirServices,
    private readonly tz: string,
  ) {
    const mark = (p: string) => this.dirty.add(p);
    this.patients = new TypeView(
      'Patient',
      (r) => ({ patient: `Patient/${r.id}`, value: patientFacts(r as Patient, tz) }),
      mark,
    );
    this.conditions = new TypeView(
      'Condition',
      forPatient((c: Condition) => c.subject?.reference, activeCondition(tz)),
      mark,
    );
    this.consents = new TypeView(
      'Consent',
      forPatient(
        (c: Consent) => c.patient?.reference,
        (c) => consentRecord(c, tz),
      ),
      mark,
    );
    this.plans = new TypeView(
      'CarePlan',
      forPatient(
        (p: CarePlan) => p.subject?.reference,
        (p) => carePlanRecord(p, tz),
      ),
      mark,
    );
    this.teams = new TypeView(
      'CareTeam',
      forPatient(
        (t: CareTeam) => t.subject?.reference,
        (t) => {
          const billing = careTeamRecord(t, tz);
          const bh = bhTeamRecords(t, tz);
          return billing.length + bh.length > 0 ? { billing, bh } : undefined;
        },
      ),
      mark,
    );
    const subject = (e: Encounter) => e.subject?.reference;
    this.entries = new TypeView(
      'Encounter',
      forPatient(subject, (e) => timeEntryRecord(e, tz)),
      mark,
      (v) => v.start,
    );
    this.episodes = new TypeView(
      'Encounter',
      forPatient(subject, (e) => {
        const entry = timeEntryRecord(e, tz);
        return entry?.programme === PROGRAM.cocm ? entry : undefined;
      }),
      mark,
      (v) => v.start,
    );
    this.services_ = new TypeView(
      'Encounter',
      forPatient(subject, (e) => (timeEntryRecord(e, tz) ? undefined : otherServiceRecord(e, tz))),
      mark,
      (v) => v.start,
    );
    this.visits = new TypeView(
      'Encounter',
      forPatient(subject, (e) => visitRecord(e, tz)),
      mark,
      (v) => v.start,
    );
    this.coverages = new TypeView(
      'Coverage',
      forPatient(
        (c: Coverage) => c.beneficiary?.reference,
        (c) => qmbRecord(c, tz),
      ),
      mark,
    );
    this.roles = new TypeView(
      'PractitionerRole',
      (r) => {
        const p = (r as PractitionerRole).practitioner?.reference;
        return p ? { patient: '', value: p } : undefined;
      },
      () => {
        this.rolesDirty = true;
      },
    );
  }

  /** Runs `fn` after every earlier refresh finished (one refresh at a time). */
  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Brings every view up to date and loads what the month needs (time entries from `entriesFrom` on). */
  private async prepare(ctx: EngineContext, entriesFrom = ctx.month.start, pause?: Pause): Promise<void> {
    const s = this.services;
    const now = s.clock();
    const views = [
      this.patients,
      this.conditions,
      this.consents,
      this.plans,
      this.teams,
      this.entries,
      this.episodes,
      this.services_,
      this.visits,
      this.coverages,
      this.roles,
    ];
    const step = pause ?? (() => Promise.resolve());
    for (const v of views) await v.refresh(s, now);
    await this.patients.load(s, ALL);
    await step();
    await this.roles.load(s, ALL);
    await this.conditions.load(s, codeIn('clinical-status', ACTIVE_STATUSES));
    await step();
    await this.consents.load(s, codeIn('category', [CATEGORY.consent]));
    await this.plans.load(s, codeIn('category', [CATEGORY.carePlan]));
    await this.teams.load(s, codeIn('status', ['active', 'inactive', 'suspended']));
    await this.coverages.load(s, codeIn('status', ['active']));
    await step();
    const lo = Math.min(entriesFrom, ctx.month.start) - 2 * DAY;
    const hi = ctx.month.end + 2 * DAY;
    await this.entries.load(s, startsIn('date', lo, hi), [lo, hi]);
    await step();
    // CoCM entries of the episode lookback (the first month of an episode has none in it)
    const episodeFrom =
      monthRange(shiftMonth(ctx.month.month, -ctx.rules.behavioural.episodeLookbackMonths), this.tz).start -
      2 * DAY;
    const episodeFilter: Where = {
      kind: 'and',
      of: [startsIn('date', episodeFrom, hi), codeIn('service-type', [PROGRAM.cocm])],
    };
    await this.episodes.load(s, episodeFilter, [episodeFrom, hi]);
    const serviceCodes = Object.values(ctx.rules.otherServices.codes).flat();
    const serviceFilter: Where = {
      kind: 'and',
      of: [startsIn('date', lo, hi), codeIn('type', serviceCodes)],
    };
    await this.services_.load(s, serviceFilter, [lo, hi]);
    await step();
    // the bulk filter matches visit codes without their system; the engine checks the system
    const visitCodes = [...[...ctx.visitCodes].map((c) => c.split('|')[1]), ...ctx.rules.apcm.tcm.codes];
    const from = this.visitWindowStart(ctx, lo);
    const visitFilter: Where = {
      kind: 'and',
      of: [startsIn('date', from, hi), codeIn('class', [VISIT_CLASS]), codeIn('type', visitCodes)],
    };
    await this.visits.load(s, visitFilter, [from, hi]);
  }

  /**
   * How far back initiating visits are needed: the longest lookback (CCM's year, APCM's 3 years) before the
   * earliest consent or APCM plan on file.
   */
  private visitWindowStart(ctx: EngineContext, lo: number): number {
    let earliest = lo;
    for (const slot of this.consents.slots.values()) {
      if (slot.value.obtainedAt !== undefined && slot.value.obtainedAt < earliest)
        earliest = slot.value.obtainedAt;
    }
    let months = ctx.rules.initiatingVisit.lookbackMonths;
    for (const slot of this.plans.slots.values()) {
      if (!slot.value.programmes.includes('apcm')) continue;
      months = Math.max(months, ctx.rules.apcm.initiatingVisitLookbackMonths);
      const start = slot.value.periodStart ?? slot.value.created;
      if (start !== undefined && start < earliest) earliest = start;
    }
    const firstMonth = monthOf(earliest, this.tz);
    return monthRange(shiftMonth(firstMonth, -months), this.tz).start - 2 * DAY;
  }

  /**
   * Loads every view ahead of the first report: the month of `ctx` and the time entries of the months since
   * `from` (epoch ms), so that a report for any of those months only asks the store for changes.
   */
  warm(ctx: EngineContext, from: number, pause: Pause): Promise<void> {
    return this.serial(async () => {
      await this.prepare(ctx, from, pause);
      this.rebuild();
    });
  }

  /** The records of every patient with CCM data or current conditions, for a month. */
  recordsFor(ctx: EngineContext): Promise<PracticeRecords> {
    return this.serial(async () => {
      await this.prepare(ctx);
      this.rebuild();
      return { records: this.records, stamps: this.stamps, globalStamp: this.globalStamp };
    });
  }

  /** Rebuilds the records of the patients that changed since the last rebuild. */
  private rebuild(): void {
    if (this.rolesDirty) {
      for (const k of Object.keys(this.roleToPractitioner)) delete this.roleToPractitioner[k];
      for (const [id, slot] of this.roles.slots)
        this.roleToPractitioner[`PractitionerRole/${id}`] = slot.value;
      this.rolesDirty = false;
      this.globalStamp++;
    }
    for (const patient of this.dirty) {
      const record: PatientRecord = {
        patient,
        conditions: this.conditions.valuesOf(patient),
        consents: this.consents.valuesOf(patient),
        carePlans: this.plans.valuesOf(patient),
        careTeams: this.teams.valuesOf(patient).flatMap((t) => t.billing),
        bhTeam: this.teams.valuesOf(patient).flatMap((t) => t.bh),
        timeEntries: withEpisodes(this.entries.valuesOf(patient), this.episodes.valuesOf(patient)),
        otherServices: this.services_.valuesOf(patient),
        visits: this.visits.valuesOf(patient),
        qmb: this.coverages.valuesOf(patient),
        roleToPractitioner: this.roleToPractitioner,
      };
      const facts = this.patients.valuesOf(patient)[0];
      if (facts?.name) record.name = facts.name;
      if (facts?.death) record.death = facts.death;
      this.records.set(patient, record);
      this.stamps.set(patient, ++this.stampCounter);
    }
    this.dirty.clear();
  }
}
