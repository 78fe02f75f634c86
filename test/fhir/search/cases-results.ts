/**
 * Conformance cases for result controls over fixtures/search/conformance.json, expectations written from
 * the fixture and R4 search.html (#include, #revinclude, #sort), compartmentdefinition-patient.html and
 * patient-operation-everything.html. Keys are `Type/id`.
 */

/** A search, its matches and its included resources. */
export interface IncludeCase {
  q: string;
  matches: string[];
  included: string[];
}

const inc = (q: string, matches: string[], included: string[]): IncludeCase => ({ q, matches, included });

/** search.html#include: forward and reverse, target type, `*`, `:iterate`; a match is never also included. */
export const INCLUDE: IncludeCase[] = [
  inc('Condition?_id=cond-1&_include=Condition:subject', ['Condition/cond-1'], ['Patient/pat-1']),
  inc(
    'Condition?_id=cond-1&_include=Condition:asserter:Practitioner',
    ['Condition/cond-1'],
    ['Practitioner/pr-1'],
  ),
  inc(
    'Condition?_id=cond-1,cond-3&_include=Condition:asserter:Patient',
    ['Condition/cond-1', 'Condition/cond-3'],
    ['Patient/pat-2'],
  ),
  inc(
    'Condition?_id=cond-1&_include=*',
    ['Condition/cond-1'],
    ['Encounter/enc-1', 'Patient/pat-1', 'Practitioner/pr-1'],
  ),
  inc(
    'MedicationRequest?_id=mr-1&_include=MedicationRequest:medication&_include:iterate=Medication:manufacturer',
    ['MedicationRequest/mr-1'],
    ['Medication/med-1', 'Organization/org-2'],
  ),
  // without :iterate, an include applies to the matches only
  inc(
    'MedicationRequest?_id=mr-1&_include=MedicationRequest:medication&_include=Medication:manufacturer',
    ['MedicationRequest/mr-1'],
    ['Medication/med-1'],
  ),
  inc('Condition?_id=cond-1&_revinclude=Provenance:target', ['Condition/cond-1'], ['Provenance/prov-1']),
  inc(
    'Patient?_id=pat-1&_revinclude=Condition:subject&_revinclude:iterate=Provenance:target',
    ['Patient/pat-1'],
    ['Condition/cond-1', 'Condition/cond-2', 'Provenance/prov-1'],
  ),
  inc(
    'Patient?_id=pat-1&_revinclude=Condition:subject&_revinclude=Provenance:target',
    ['Patient/pat-1'],
    ['Condition/cond-1', 'Condition/cond-2'],
  ),
  inc(
    'Organization?_id=org-2&_include:iterate=Organization:partof',
    ['Organization/org-2'],
    ['Organization/org-1'],
  ),
  inc('Patient?_id=pat-4&_include=Patient:link', ['Patient/pat-4'], ['Patient/pat-5']),
  inc('Patient?_id=pat-4,pat-5&_include=Patient:link', ['Patient/pat-4', 'Patient/pat-5'], []),
  inc(
    'Encounter?_id=enc-1&_revinclude=Observation:encounter&_revinclude=Condition:encounter',
    ['Encounter/enc-1'],
    ['Condition/cond-1', 'Observation/obs-1'],
  ),
  inc(
    'Patient?_id=pat-2&_include=Patient:general-practitioner&_include=Patient:organization',
    ['Patient/pat-2'],
    ['Organization/org-2', 'Practitioner/pr-2'],
  ),
];

/** A search and its matches in order. */
export interface SortCase {
  q: string;
  order: string[];
}

const sorted = (q: string, ...order: string[]): SortCase => ({ q, order });

/**
 * search.html#sort: several keys, `-` for descending; with several values the lowest sorts ascending and
 * the highest descending (a date range by its start ascending and its end descending); resources without
 * a value come last (this server's documented choice; R4 leaves it open); ties fall back to the id.
 */
export const SORT: SortCase[] = [
  sorted('Patient?_sort=birthdate', 'pat-3', 'pat-2', 'pat-1', 'pat-4', 'pat-5', 'pat-6'),
  sorted('Patient?_sort=-birthdate', 'pat-6', 'pat-5', 'pat-4', 'pat-1', 'pat-3', 'pat-2'),
  sorted('Patient?_sort=family', 'pat-1', 'pat-3', 'pat-2', 'pat-6', 'pat-4', 'pat-5'),
  sorted('Patient?_sort=-family', 'pat-5', 'pat-4', 'pat-6', 'pat-2', 'pat-3', 'pat-1'),
  sorted('Patient?_sort=gender,-birthdate', 'pat-4', 'pat-2', 'pat-1', 'pat-3', 'pat-5', 'pat-6'),
  sorted('Patient?_sort=active,_id', 'pat-3', 'pat-1', 'pat-2', 'pat-4', 'pat-5', 'pat-6'),
  sorted('Patient?_sort=_id', 'pat-1', 'pat-2', 'pat-3', 'pat-4', 'pat-5', 'pat-6'),
  sorted('Patient?_sort=-_id', 'pat-6', 'pat-5', 'pat-4', 'pat-3', 'pat-2', 'pat-1'),
  sorted('Patient?_sort=-_lastUpdated,_id', 'pat-5', 'pat-1', 'pat-2', 'pat-3', 'pat-4', 'pat-6'),
  sorted('Encounter?_sort=date', 'enc-4', 'enc-1', 'enc-2', 'enc-3', 'enc-5'),
  sorted('Encounter?_sort=-date', 'enc-3', 'enc-2', 'enc-1', 'enc-4', 'enc-5'),
  sorted('Observation?code=2339-0&_sort=_id', 'obs-10', 'obs-2', 'obs-3'),
  sorted('RiskAssessment?_sort=probability', 'ra-2', 'ra-1', 'ra-3'), // ra-2's lowest value is 0.1
  sorted('RiskAssessment?_sort=-probability', 'ra-2', 'ra-3', 'ra-1'), // and its highest 0.73
  sorted('Condition?subject=pat-1,pat-2&_sort=-recorded-date,_id', 'cond-1', 'cond-2', 'cond-3', 'cond-4'),
  sorted('Observation?patient=pat-2&_sort=date', 'obs-4', 'obs-3'),
  sorted('Encounter?_sort=class,-length', 'enc-1', 'enc-3', 'enc-4', 'enc-2', 'enc-5'),
];

/** Everything in Patient/pat-1's compartment (compartmentdefinition-patient.html). */
export const PAT1_COMPARTMENT = [
  'Patient/pat-1',
  'Condition/cond-1',
  'Condition/cond-2',
  'Observation/obs-1',
  'Observation/obs-2',
  'Observation/obs-6',
  'Observation/obs-11',
  'Encounter/enc-1',
  'Encounter/enc-2',
  'CarePlan/cp-1',
  'CarePlan/cp-3',
  'MedicationRequest/mr-1',
  'RiskAssessment/ra-1',
  'List/list-1',
];

/** Compartment searches: the query and its matches (any order). */
export const COMPARTMENT: Array<{ q: string; matches: string[] }> = [
  { q: 'Patient/pat-1/Condition', matches: ['Condition/cond-1', 'Condition/cond-2'] },
  { q: 'Patient/pat-1/Condition?code=38341003', matches: ['Condition/cond-2'] },
  // cond-3 is in pat-2's compartment twice over (subject and asserter), returned once
  { q: 'Patient/pat-2/Condition', matches: ['Condition/cond-3', 'Condition/cond-4'] },
  { q: 'Patient/pat-5/Patient', matches: ['Patient/pat-4', 'Patient/pat-5'] }, // pat-4 links to pat-5
  { q: 'Patient/pat-1/*', matches: PAT1_COMPARTMENT },
  {
    q: 'Patient/pat-1/*?_type=Condition,Encounter',
    matches: ['Condition/cond-1', 'Condition/cond-2', 'Encounter/enc-1', 'Encounter/enc-2'],
  },
  { q: 'Patient/pat-1/*?_lastUpdated=ge2026-04-02', matches: [] },
  { q: 'Patient/pat-6/*', matches: ['Patient/pat-6', 'Condition/cond-6', 'Observation/obs-9'] },
  { q: 'Patient/nobody/Condition', matches: [] },
];
