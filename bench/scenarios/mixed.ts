/**
 * A mixed clinician-and-integration load for the soak: mostly reads and the search mix, with a small
 * share of writes (creates, and updates with If-Match on a resource each connection owns). Every write
 * adds a version to the store, so the write share is kept small and reported with the result.
 */
import { describeFailure, request } from '../support/http.js';
import type { ConnectionScript, RequestSpec } from '../support/load.js';
import { searchQueries } from './search.js';
import { cycler, type Target } from './target.js';

/** A resource a connection updates, with its current ETag. */
export interface Owned {
  id: string;
  body: string;
  etag: string;
}

/** Reads `n` Observations (body and ETag) for the connections to update; throws when it cannot. */
export async function ownObservations(t: Target, n: number): Promise<Owned[]> {
  const ids = t.ids.of('Observation').slice(-n);
  const out: Owned[] = [];
  for (const id of ids) {
    const r = await request(`${t.base}/Observation/${id}`, { headers: t.headers });
    const etag = r.headers.get('etag');
    if (r.status !== 200 || !etag) throw new Error(`read Observation/${id}: ${describeFailure(r)}`);
    out.push({ id, body: r.text, etag });
  }
  if (out.length < n) throw new Error(`only ${out.length} Observations to update, ${n} connections`);
  return out;
}

const JSON_HEADERS = { 'content-type': 'application/fhir+json', prefer: 'return=minimal' };

/** One connection's mixed script; `writeShare` of its requests are writes (half creates, half updates). */
export function mixedScript(
  t: Target,
  connection: number,
  owned: Owned,
  writeShare: number,
): ConnectionScript {
  const pairs = t.ids.mixed(20_000);
  const pair = cycler(pairs, connection);
  const patients = t.ids.ccmPatients.length > 0 ? t.ids.ccmPatients : t.ids.patients;
  const patient = cycler(patients, connection);
  const queries = searchQueries(t.month);
  const writeEvery = writeShare > 0 ? Math.max(2, Math.round(1 / writeShare)) : 0;
  let i = connection;
  let etag = owned.etag;
  let pending = '';
  const pick = (): RequestSpec => {
    i++;
    if (writeEvery > 0 && i % writeEvery === 0) {
      return i % (2 * writeEvery) === 0
        ? {
            kind: 'update',
            method: 'PUT',
            path: `/fhir/Observation/${owned.id}`,
            headers: { ...JSON_HEADERS, 'if-match': etag },
            body: owned.body,
          }
        : {
            kind: 'create',
            method: 'POST',
            path: '/fhir/Observation',
            headers: JSON_HEADERS,
            body: createBody(patient(), i),
          };
    }
    if (i % 2 === 0) {
      const q = queries[(i >> 1) % queries.length];
      return { kind: 'search', path: q.path(patient()) };
    }
    const [type, id] = pair();
    return i % 5 === 1
      ? { kind: 'vread', path: `/fhir/${type}/${id}/_history/1` }
      : { kind: 'read', path: `/fhir/${type}/${id}` };
  };
  return {
    next: () => {
      const spec = pick();
      pending = spec.kind;
      return spec;
    },
    onResponse: (status, _body, headers) => {
      // Only an update's reply carries the owned resource's new version.
      if (pending !== 'update' || status < 200 || status > 299) return;
      const key = Object.keys(headers).find((k) => k.toLowerCase() === 'etag');
      const e = key === undefined ? undefined : headers[key];
      if (typeof e === 'string') etag = e;
    },
  };
}

function createBody(patient: string, i: number): string {
  return JSON.stringify({
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-01-15T15:00:00Z',
    valueQuantity: { value: 60 + (i % 40), unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });
}
