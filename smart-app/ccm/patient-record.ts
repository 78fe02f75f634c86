/**
 * The app's side of the CCM engine: reads a patient's CCM resources through FhirApi and evaluates them with
 * the engine's pure functions (server/ccm/), so the screens work against any SMART R4 server; when the
 * server offers `$ccm-eligibility` / `$ccm-month-summary` the screens prefer those (see views-model.ts).
 */
import type { CarePlan, CareTeam, Condition, Consent, Coverage, Encounter } from 'fhir/r4.js';
import { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import { engineContext } from '../../server/ccm/engine/context.js';
import { evaluateEligibility, type Eligibility } from '../../server/ccm/engine/eligibility.js';
import {
  careTeamRecord,
  carePlanRecord,
  conditionRecord,
  consentRecord,
  bhTeamRecords,
  otherServiceRecord,
  qmbRecord,
  timeEntryRecord,
  visitRecord,
} from '../../server/ccm/engine/extract.js';
import { evaluateMonth, type MonthSummary } from '../../server/ccm/engine/month-summary.js';
import { emptyRecord, type PatientRecord } from '../../server/ccm/engine/record.js';
import { monthOf } from '../../server/ccm/time/zone.js';
import type { FhirApi } from '../context.js';

const classifier = new ConditionClassifier();

/** The CCM-relevant resources of one patient. */
export interface PatientResources {
  conditions: Condition[];
  consents: Consent[];
  carePlans: CarePlan[];
  encounters: Encounter[];
  /** Billing-practitioner assignments ("Who bills"). */
  careTeams: CareTeam[];
  /** Coverages (a QMB Coverage sets APCM level G0558); empty when the server does not offer them. */
  coverages: Coverage[];
}

/** Reads a patient's Conditions, Consents, CarePlans, Encounters and CareTeams. */
export async function loadPatientResources(api: FhirApi, patientId: string): Promise<PatientResources> {
  const p = { patient: patientId, _count: '200' };
  const [conditions, consents, carePlans, encounters, careTeams, coverages] = await Promise.all([
    api.search<Condition>('Condition', p),
    api.search<Consent>('Consent', p),
    api.search<CarePlan>('CarePlan', p),
    api.search<Encounter>('Encounter', p),
    api.search<CareTeam>('CareTeam', p).catch(() => [] as CareTeam[]),
    api.search<Coverage>('Coverage', p).catch(() => [] as Coverage[]),
  ]);
  return { conditions, consents, carePlans, encounters, careTeams, coverages };
}

/** The engine's record of a patient built from its resources. */
export function buildRecord(patientId: string, r: PatientResources, tz: string): PatientRecord {
  const record = emptyRecord(`Patient/${patientId}`);
  record.conditions = r.conditions.map((c) => conditionRecord(c, tz));
  record.consents = r.consents.flatMap((c) => consentRecord(c, tz) ?? []);
  record.carePlans = r.carePlans.flatMap((c) => carePlanRecord(c, tz) ?? []);
  record.careTeams = r.careTeams.flatMap((t) => careTeamRecord(t, tz));
  record.bhTeam = r.careTeams.flatMap((t) => bhTeamRecords(t, tz));
  record.timeEntries = r.encounters.flatMap((e) => timeEntryRecord(e, tz) ?? []);
  record.visits = r.encounters.flatMap((e) => visitRecord(e, tz) ?? []);
  record.otherServices = r.encounters.flatMap((e) =>
    timeEntryRecord(e, tz) ? [] : (otherServiceRecord(e, tz) ?? []),
  );
  record.qmb = (r.coverages ?? []).flatMap((c) => qmbRecord(c, tz) ?? []);
  return record;
}

/** Eligibility today, computed in the app. */
export function localEligibility(record: PatientRecord, tz: string, now: Date): Eligibility {
  const ctx = engineContext(monthOf(now.getTime(), tz), tz, classifier);
  return evaluateEligibility(record, ctx, now.getTime());
}

/** The summary of a month, computed in the app. */
export function localMonth(record: PatientRecord, tz: string, month: string): MonthSummary {
  return evaluateMonth(record, engineContext(month, tz, classifier));
}

/** The classification suggestion for one Condition (its group name and chronic flag), when known. */
export function suggestionOf(
  c: Condition,
): { group: string; chronic: string; ccmGroup: boolean } | undefined {
  const found = (c.code?.coding ?? [])
    .map((x) => classifier.classify(x.system, x.code))
    .filter((x) => x !== undefined && x.source !== 'unknown');
  const best = found[0];
  return best ? { group: best.groupName, chronic: best.chronic, ccmGroup: best.ccmGroup } : undefined;
}
