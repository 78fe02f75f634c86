/** The three CCM queries of acceptance 4, shared by the scale bench and its server. */

/** One measured query: its resource type and its parameters for a patient id. */
export interface ScaleQuery {
  name: string;
  type: string;
  params(patient: string): Array<[string, string]>;
}

/** Condition, Encounter in January 2026, active CarePlan: each for one patient. */
export const SCALE_QUERIES: ScaleQuery[] = [
  { name: 'Condition?patient=X', type: 'Condition', params: (p) => [['patient', p]] },
  {
    name: 'Encounter?patient=X&date=ge2026-01-01&date=lt2026-02-01',
    type: 'Encounter',
    params: (p) => [
      ['patient', p],
      ['date', 'ge2026-01-01'],
      ['date', 'lt2026-02-01'],
    ],
  },
  {
    name: 'CarePlan?patient=X&status=active',
    type: 'CarePlan',
    params: (p) => [
      ['patient', p],
      ['status', 'active'],
    ],
  },
];

/** The request path of a query for a patient id. */
export function pathOf(q: ScaleQuery, patient: string): string {
  return `/fhir/${q.type}?${new URLSearchParams(q.params(patient)).toString()}`;
}
