/**
 * Loads one patient's CCM-relevant resources through the resource store with patient-scoped filters on the
 * indexed `sp.patient.r` key (one query per resource type, never a collection scan), and reads them into
 * the engine's record.
 */
import type { Where } from '../../storage/repository.js';
import type {
  CarePlan,
  CareTeam,
  Condition,
  Consent,
  Coverage,
  Encounter,
  HumanName,
  Patient,
  PractitionerRole,
} from 'fhir/r4.js';
import type { FhirServices } from '../../fhir/services.js';
import {
  careTeamRecord,
  carePlanRecord,
  conditionRecord,
  consentRecord,
  deathOf,
  bhTeamRecords,
  otherServiceRecord,
  qmbRecord,
  timeEntryRecord,
  visitRecord,
} from '../engine/extract.js';
import { emptyRecord, type PatientRecord } from '../engine/record.js';

/** "Given Family" of a Patient's first name, if any. */
export function displayName(names: HumanName[] | undefined): string | undefined {
  const n = names?.[0];
  if (!n) return undefined;
  const text = n.text ?? [...(n.given ?? []), n.family ?? ''].join(' ').trim();
  return text || undefined;
}

/** PractitionerRole references a record mentions. */
export function roleRefs(record: PatientRecord): string[] {
  const refs = new Set<string>();
  const add = (r?: string) => r?.startsWith('PractitionerRole/') && refs.add(r);
  record.timeEntries.forEach((e) => add(e.individual));
  record.visits.forEach((v) => v.participants.forEach(add));
  record.otherServices?.forEach((v) => v.participants.forEach(add));
  record.bhTeam?.forEach((t) => add(t.practitioner));
  record.consents.forEach((c) => add(c.practitioner));
  record.careTeams.forEach((t) => add(t.practitioner));
  record.carePlans.forEach((p) => add(p.author));
  return [...refs];
}

/** The current resources of a type in a patient's compartment, via the indexed patient reference. */
async function ofPatient<T>(services: FhirServices, type: string, patientRef: string): Promise<T[]> {
  const where: Where = { kind: 'refs', name: 'patient', code: 'patient', refs: [patientRef] };
  const docs = await services.resources.find(type, where, { fields: 'resource' });
  return docs.flatMap((d) => (d.resource ? [d.resource as T] : []));
}

/** Loads a patient's record; null when the Patient does not exist (or was deleted). */
export async function loadPatientRecord(
  services: FhirServices,
  id: string,
  tz: string,
): Promise<PatientRecord | null> {
  const doc = await services.resources.read('Patient', id);
  if (!doc || doc.deleted || !doc.resource) return null;
  const patientRef = `Patient/${id}`;
  const record = emptyRecord(patientRef);
  const name = displayName((doc.resource as Patient).name);
  if (name) record.name = name;
  const death = deathOf(doc.resource as Patient, tz);
  if (death) record.death = death;
  const [conditions, consents, plans, encounters, teams, coverages] = await Promise.all([
    ofPatient<Condition>(services, 'Condition', patientRef),
    ofPatient<Consent>(services, 'Consent', patientRef),
    ofPatient<CarePlan>(services, 'CarePlan', patientRef),
    ofPatient<Encounter>(services, 'Encounter', patientRef),
    ofPatient<CareTeam>(services, 'CareTeam', patientRef),
    ofPatient<Coverage>(services, 'Coverage', patientRef),
  ]);
  record.conditions = conditions.map((c) => conditionRecord(c, tz));
  record.consents = consents.flatMap((c) => consentRecord(c, tz) ?? []);
  record.carePlans = plans.flatMap((p) => carePlanRecord(p, tz) ?? []);
  record.careTeams = teams.flatMap((t) => careTeamRecord(t, tz));
  record.bhTeam = teams.flatMap((t) => bhTeamRecords(t, tz));
  record.qmb = coverages.flatMap((c) => qmbRecord(c, tz) ?? []);
  for (const e of encounters) {
    const entry = timeEntryRecord(e, tz);
    if (entry) record.timeEntries.push(entry);
    const visit = entry ? undefined : visitRecord(e, tz);
    if (visit) record.visits.push(visit);
    const service = entry ? undefined : otherServiceRecord(e, tz);
    if (service) record.otherServices?.push(service);
  }
  const roles = roleRefs(record).map((r) => r.slice('PractitionerRole/'.length));
  if (roles.length > 0) {
    const docs = await services.resources.find(
      'PractitionerRole',
      { kind: 'id', name: '_id', ids: roles },
      { fields: 'resource' },
    );
    for (const d of docs) {
      const practitioner = (d.resource as PractitionerRole | undefined)?.practitioner?.reference;
      if (practitioner) record.roleToPractitioner[`PractitionerRole/${d._id}`] = practitioner;
    }
  }
  return record;
}
