/**
 * The parts the gate vectors share (billing-gates*.test.ts): the month, two instants in it, an attestation,
 * and a patient built from parts like `enrolled()` (conditions, consent, care plan, initiating visit).
 */
import { CcmScenario } from '../../helpers/ccm-scenarios.js';

export const MONTH = '2026-03';
export const T1 = '2026-03-10T10:00:00-04:00';
export const T2 = '2026-03-20T10:00:00-04:00';

/** Attested by a clinician (both criteria): gate 2 counts only attested conditions. */
export const A = { attested: true } as const;

/** A patient like `enrolled()` but built from parts, for gate scenarios. */
export function base(
  o: {
    conditions?: Array<
      [string, { snomed?: boolean; attested?: boolean; clinical?: string; verification?: string }?]
    >;
    consent?: boolean;
    plan?: boolean;
    visit?: boolean;
  } = {},
): CcmScenario {
  const s = new CcmScenario();
  for (const [code, opts] of o.conditions ?? [
    ['E11.9', A],
    ['I10', A],
  ])
    s.condition(code, opts ?? {});
  if (o.consent !== false) s.consent({ at: '2026-01-05T10:00:00-05:00' });
  if (o.plan !== false) s.carePlan({ start: '2026-01-05T11:00:00-05:00' });
  if (o.visit !== false) s.visit({ at: '2025-12-10T09:00:00-05:00' });
  return s;
}
/** 25 minutes of clinical-staff time on 20 March. */
export const staff25 = (s: CcmScenario): CcmScenario => s.time({ start: T2, minutes: 25 });
