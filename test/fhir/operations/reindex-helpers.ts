/** Helpers of the run-time SearchParameter and $reindex tests: bodies, kick-off, status polling, searches. */
import { expect } from '@jest/globals';
import type { Bundle, Parameters, Resource, SearchParameter } from 'fhir/r4.js';
import request from 'supertest';
import type { CcmApp } from '../../../server/app.js';

export const FHIR_JSON = 'application/fhir+json';
export const MAIDEN_URL = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';
export const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** Patient `mothers-maiden-name` (string) on the R4 extension; R4 defines no such parameter. */
export const maidenNameParam = (over: Partial<SearchParameter> = {}): SearchParameter => ({
  resourceType: 'SearchParameter',
  url: 'http://example.org/fhir/SearchParameter/patient-mothers-maiden-name',
  name: 'MothersMaidenName',
  status: 'active',
  description: "Search by the patient's mother's maiden name",
  code: 'mothers-maiden-name',
  base: ['Patient'],
  type: 'string',
  expression: `Patient.extension.where(url='${MAIDEN_URL}').value`,
  ...over,
});

/** Observation `interpretation` (token) on Observation.interpretation, which R4 does not search. */
export const interpretationParam = (over: Partial<SearchParameter> = {}): SearchParameter => ({
  resourceType: 'SearchParameter',
  url: 'http://example.org/fhir/SearchParameter/observation-interpretation',
  name: 'ObservationInterpretation',
  status: 'active',
  description: 'Search by the interpretation of an observation',
  code: 'interpretation',
  base: ['Observation'],
  type: 'token',
  expression: 'Observation.interpretation',
  ...over,
});

export const patient = (id: string, maiden?: string): Resource =>
  ({
    resourceType: 'Patient',
    id,
    name: [{ family: `Family-${id}` }],
    ...(maiden ? { extension: [{ url: MAIDEN_URL, valueString: maiden }] } : {}),
  }) as Resource;

export const observation = (id: string, interpretation?: string): Resource =>
  ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
    subject: { reference: 'Patient/p1' },
    ...(interpretation
      ? { interpretation: [{ coding: [{ system: INTERPRETATION, code: interpretation }] }] }
      : {}),
  }) as Resource;

/** PUT a resource; expects 200 or 201. */
export async function put(
  app: CcmApp['app'],
  r: Resource,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await request(app)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('content-type', FHIR_JSON)
    .set(headers)
    .send(JSON.stringify(r));
  expect([res.status, res.body.issue]).toEqual([expect.any(Number), undefined]);
  expect([200, 201]).toContain(res.status);
}

/** POST a body to a path (a create or an operation). */
export function post(app: CcmApp['app'], path: string, body: unknown, headers: Record<string, string> = {}) {
  return request(app)
    .post(`/fhir/${path}`)
    .set('content-type', FHIR_JSON)
    .set(headers)
    .send(JSON.stringify(body));
}

/** POST [base]/[path]$reindex with Prefer: respond-async; returns the response. */
export function kickReindex(app: CcmApp['app'], path = '$reindex', headers: Record<string, string> = {}) {
  return request(app).post(`/fhir/${path}`).set('prefer', 'respond-async').set(headers);
}

/** The path of an absolute URL the app issued. */
export const pathOf = (url: string): string => new URL(url).pathname;

/** Polls a status URL until it stops answering 202 (at most `timeoutMs`); returns the last response. */
export async function waitForJob(
  app: CcmApp['app'],
  statusUrl: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(pathOf(statusUrl)).set(headers);
    if (res.status !== 202 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The `type` parts of a job report: type → { state, indexed, total, activated }. */
export function reportTypes(
  body: Parameters,
): Record<string, { state?: string; indexed?: number; total?: number; activated: string[] }> {
  const out: Record<string, { state?: string; indexed?: number; total?: number; activated: string[] }> = {};
  for (const p of body.parameter ?? []) {
    if (p.name !== 'type') continue;
    const parts = p.part ?? [];
    const type = parts.find((x) => x.name === 'type')?.valueCode as string;
    out[type] = {
      state: parts.find((x) => x.name === 'state')?.valueCode,
      indexed: parts.find((x) => x.name === 'indexed')?.valueInteger,
      total: parts.find((x) => x.name === 'total')?.valueInteger,
      activated: parts.filter((x) => x.name === 'activated').map((x) => x.valueCode as string),
    };
  }
  return out;
}

/** A search's Bundle, expecting 200. */
export async function search(
  app: CcmApp['app'],
  query: string,
  headers: Record<string, string> = {},
): Promise<Bundle> {
  const res = await request(app).get(`/fhir/${query}`).set(headers);
  expect([query, res.status]).toEqual([query, 200]);
  return res.body as Bundle;
}

/** The ids of a searchset's matches, sorted. */
export const matchIds = (b: Bundle): string[] =>
  (b.entry ?? [])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => e.resource?.id as string)
    .sort();

/** The diagnostics of the searchset's outcome entry (warnings), if any. */
export const warnings = (b: Bundle): string[] =>
  (b.entry ?? [])
    .filter((e) => e.search?.mode === 'outcome')
    .flatMap((e) =>
      ((e.resource as { issue?: Array<{ diagnostics?: string }> }).issue ?? []).map(
        (i) => i.diagnostics ?? '',
      ),
    );

/** The self link of a searchset. */
export const selfLink = (b: Bundle): string => b.link?.find((l) => l.relation === 'self')?.url ?? '';
