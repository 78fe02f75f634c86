/**
 * The clinician app's search mix (R4 search.html), each query for a random CCM patient: conditions of a
 * patient, active care plans, time entries of a month, a compartment search and an `_include`. Each query
 * is probed first; one answering 4xx/5xx is left out of the mix and reported with its status.
 */
import { describeFailure, request } from '../support/http.js';
import { runLoad } from '../support/load.js';
import { cycler, unavailable, type ScenarioOutcome, type Target } from './target.js';

/** One query of the mix, for a patient id. */
export interface SearchQuery {
  kind: string;
  path: (patient: string) => string;
}

/** The first day of the month after `YYYY-MM`. */
function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The queries of the mix. */
export function searchQueries(month: string): SearchQuery[] {
  const from = `${month}-01`;
  const to = `${nextMonth(month)}-01`;
  return [
    { kind: 'Condition?patient', path: (p) => `/fhir/Condition?patient=${p}` },
    { kind: 'CarePlan?patient&status', path: (p) => `/fhir/CarePlan?patient=${p}&status=active` },
    {
      kind: 'Encounter?patient&class=VR&date',
      path: (p) => `/fhir/Encounter?patient=${p}&class=VR&date=ge${from}&date=lt${to}`,
    },
    { kind: 'Patient/X/Condition', path: (p) => `/fhir/Patient/${p}/Condition` },
    {
      kind: 'CarePlan?_include=CarePlan:goal',
      path: (p) => `/fhir/CarePlan?patient=${p}&_include=CarePlan:goal`,
    },
  ];
}

/** Runs the mix (every available query in turn on each connection). */
export async function searchScenario(t: Target, connections: number): Promise<ScenarioOutcome> {
  const patients = t.ids.ccmPatients.length > 0 ? t.ids.ccmPatients : t.ids.patients;
  if (patients.length === 0) return unavailable('search', connections, 'no patients loaded');
  const available: SearchQuery[] = [];
  const missing: string[] = [];
  for (const q of searchQueries(t.month)) {
    const r = await request(`${t.origin}${q.path(patients[0])}`, { headers: t.headers });
    if (r.status === 200) available.push(q);
    else missing.push(`${q.kind}: ${describeFailure(r)}`);
  }
  if (available.length === 0) return unavailable('search', connections, missing.join('; '));
  const r = await runLoad({
    origin: t.origin,
    headers: t.headers,
    connections,
    seconds: t.seconds,
    pid: t.pid,
    script: (c) => {
      const patient = cycler(patients, c);
      let i = c;
      return {
        next: () => {
          const q = available[i++ % available.length];
          return { kind: q.kind, path: q.path(patient()) };
        },
      };
    },
  });
  const note = missing.length > 0 ? `unavailable queries left out: ${missing.join('; ')}` : undefined;
  return { status: 'ok', scenario: 'search', ...r, ...(note ? { note } : {}) };
}
