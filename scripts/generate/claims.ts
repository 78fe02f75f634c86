/** A Claim and its ExplanationOfBenefit for a visit (Medicare Part B, professional claim), Synthea-shaped. */
import type { Claim, CodeableConcept, ExplanationOfBenefit, Money, Period, Reference } from 'fhir/r4.js';
import { VISIT } from './codes.js';
import { isoDate, isoInstant, MINUTE_MS } from './dates.js';
import { concept, ref, round, type ConditionInstance, type PatientState, type Visit } from './state.js';

const CLAIM_TYPE = concept(
  'http://terminology.hl7.org/CodeSystem/claim-type',
  'professional',
  'Professional',
);
const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const MEDICARE = { display: 'Medicare Part B' };

/** Submitted charge of each visit kind (USD). */
const CHARGE = { awv: 175, office3: 110, office4: 165 } as const;

function usd(value: number): Money {
  return { value: round(value, 2), currency: 'USD' };
}

interface ClaimBasics {
  enc: Reference;
  period: Period;
  created: string;
  service: CodeableConcept;
  servicedDate: string;
  charge: number;
}

function eob(state: PatientState, b: ClaimBasics, claim: Reference): ExplanationOfBenefit {
  const paid = usd(b.charge * 0.78 * 0.8);
  const adjudication = [
    { category: concept(ADJUDICATION, 'submitted'), amount: usd(b.charge) },
    { category: concept(ADJUDICATION, 'benefit'), amount: paid },
  ];
  return {
    resourceType: 'ExplanationOfBenefit',
    status: 'active',
    type: CLAIM_TYPE,
    use: 'claim',
    patient: state.patient,
    billablePeriod: b.period,
    created: b.created,
    insurer: MEDICARE,
    provider: ref(state.ctx.practice.orgRef),
    claim,
    outcome: 'complete',
    insurance: [{ focal: true, coverage: MEDICARE }],
    item: [
      {
        sequence: 1,
        productOrService: b.service,
        servicedDate: b.servicedDate,
        encounter: [b.enc],
        adjudication,
      },
    ],
    total: adjudication,
    payment: { amount: paid },
  };
}

/** Adds a Claim for the visit and the payer's ExplanationOfBenefit. */
export function addClaim(
  state: PatientState,
  enc: Reference,
  visit: Omit<Visit, 'ref'>,
  reasons: ConditionInstance[],
): void {
  const code = VISIT[visit.kind];
  const b: ClaimBasics = {
    enc,
    period: { start: isoInstant(visit.startMs), end: isoInstant(visit.startMs + 30 * MINUTE_MS) },
    created: isoInstant(visit.startMs + 60 * MINUTE_MS),
    service: concept(code.system, code.code, code.display),
    servicedDate: isoDate(visit.startMs),
    charge: CHARGE[visit.kind],
  };
  const claim: Claim = {
    resourceType: 'Claim',
    status: 'active',
    type: CLAIM_TYPE,
    use: 'claim',
    patient: state.patient,
    billablePeriod: b.period,
    created: b.created,
    provider: ref(state.ctx.practice.orgRef),
    priority: concept('http://terminology.hl7.org/CodeSystem/processpriority', 'normal'),
    insurance: [{ sequence: 1, focal: true, coverage: MEDICARE }],
    ...(reasons.length > 0
      ? { diagnosis: reasons.map((c, i) => ({ sequence: i + 1, diagnosisReference: c.ref })) }
      : {}),
    item: [{ sequence: 1, productOrService: b.service, servicedDate: b.servicedDate, encounter: [enc] }],
    total: usd(b.charge),
  };
  state.record.add(eob(state, b, state.record.add(claim)));
}
