/**
 * The dashboard page of one patient's month: the same evaluation as $ccm-month-summary, shaped for the
 * patient template (lines, seconds per programme, gates with reasons, counted conditions, evidence).
 */
import type { FhirServices } from '../../fhir/services.js';
import type { EngineContext } from '../engine/context.js';
import { evaluateMonth, monthLines, type MonthSummary } from '../engine/month-summary.js';
import { evidenceByProgramme } from '../report/evidence.js';
import { loadPatientRecord } from '../fhir/patient-loader.js';
import { minSec } from './view-model.js';

/** The data of the patient template. */
export interface PatientPage {
  name: string;
  month: string;
  billable: string;
  family: string;
  counted: string;
  consent: string;
  /** Every programme's lines, with the programme and the evidence behind each. */
  lines: Array<{ code: string; units: number; programme: string; evidence: string }>;
  seconds: Array<{ programme: string; staff: string; practitioner: string; excluded: string }>;
  gates: Array<{ name: string; passed: boolean; reasons: string; programme: string }>;
  groups: Array<{ name: string; icd10?: string; attested: boolean }>;
  evidence: string[];
}

/** Builds the page of a patient's month; null when the patient does not exist. */
export async function patientPage(
  services: FhirServices,
  id: string,
  ctx: EngineContext,
): Promise<PatientPage | null> {
  const record = await loadPatientRecord(services, id, ctx.tz);
  if (!record) return null;
  const s = evaluateMonth(record, ctx);
  const lineEvidence = evidenceByProgramme(s);
  const evidence = [
    ...s.timeEntries.map((e) => `${e.ref} (${e.programme}, ${e.role}, ${minSec(e.seconds)})`),
    ...s.excluded.map((x) => `${x.entry.ref} excluded: ${x.reason}`),
    ...(s.consent.consent ? [`${s.consent.consent.ref} (consent)`] : []),
    ...(s.carePlan.plan ? [`${s.carePlan.plan.ref} (care plan)`] : []),
    ...(s.initiatingVisit ? [`${s.initiatingVisit.ref} (initiating visit)`] : []),
  ];
  return {
    name: s.name ?? s.patient,
    month: s.month,
    billable: monthLines(s).length > 0 ? 'yes' : 'no',
    family: s.family?.id ?? 'none',
    counted: minSec(s.countedSeconds),
    consent: s.consent.status,
    lines: monthLines(s).map((l) => ({
      code: l.code,
      units: l.units,
      programme: l.programme,
      evidence: (lineEvidence.get(l.programme) ?? []).join(', '),
    })),
    seconds: [...s.seconds.entries()].map(([programme, sec]) => ({
      programme,
      staff: minSec(sec['clinical-staff']),
      practitioner: minSec(sec['billing-practitioner']),
      excluded: minSec(sec.excluded),
    })),
    gates: [{ programme: s.programme as string, gates: s.gates }, ...otherGates(s)].flatMap((p) =>
      p.gates.map((g) => ({
        name: g.name,
        passed: g.passed,
        reasons: g.reasons.join('; '),
        programme: p.programme,
      })),
    ),
    groups: s.conditions.groups.map((g) => ({ name: g.name, icd10: g.icd10, attested: g.attested })),
    evidence,
  };
}

/** The gates of the month's APCM, BHI and CoCM evaluations. */
function otherGates(s: MonthSummary): Array<{ programme: string; gates: MonthSummary['gates'] }> {
  return [
    ...(s.apcm ? [{ programme: 'apcm', gates: s.apcm.gates }] : []),
    ...s.behavioural.map((b) => ({ programme: b.programme as string, gates: b.gates })),
  ];
}
