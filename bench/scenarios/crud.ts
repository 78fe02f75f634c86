/**
 * The instance-level scenarios (R4 http.html): read and vread of generated resources of every type,
 * create of an Observation, and update with If-Match where each connection owns one resource and sends
 * the ETag its previous update returned (http.html#concurrency).
 */
import type { Observation } from 'fhir/r4.js';
import { describeFailure, request } from '../support/http.js';
import { runLoad, type ConnectionScript } from '../support/load.js';
import { cycler, unavailable, type ScenarioOutcome, type Target } from './target.js';

async function probe(
  t: Target,
  scenario: string,
  conns: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ScenarioOutcome | null> {
  const r = await request(`${t.origin}${path}`, { ...init, headers: { ...t.headers, ...init.headers } });
  return r.status >= 200 && r.status < 300 ? null : unavailable(scenario, conns, describeFailure(r));
}

/** GET [base]/[type]/[id] over a mix of types. */
export async function readScenario(t: Target, connections: number): Promise<ScenarioOutcome> {
  const pairs = t.ids.mixed(20_000);
  if (pairs.length === 0) return unavailable('read', connections, 'no resources loaded');
  const failed = await probe(t, 'read', connections, `/fhir/${pairs[0][0]}/${pairs[0][1]}`);
  if (failed) return failed;
  const r = await runLoad({
    origin: t.origin,
    headers: t.headers,
    connections,
    seconds: t.seconds,
    pid: t.pid,
    script: (c) => {
      const next = cycler(pairs, c);
      return { next: () => ({ kind: 'read', path: `/fhir/${next().join('/')}` }) };
    },
  });
  return { status: 'ok', scenario: 'read', ...r };
}

/** GET [base]/[type]/[id]/_history/1 over a mix of types. */
export async function vreadScenario(t: Target, connections: number): Promise<ScenarioOutcome> {
  const pairs = t.ids.mixed(20_000);
  if (pairs.length === 0) return unavailable('vread', connections, 'no resources loaded');
  const failed = await probe(t, 'vread', connections, `/fhir/${pairs[0][0]}/${pairs[0][1]}/_history/1`);
  if (failed) return failed;
  const r = await runLoad({
    origin: t.origin,
    headers: t.headers,
    connections,
    seconds: t.seconds,
    pid: t.pid,
    script: (c) => {
      const next = cycler(pairs, c);
      return { next: () => ({ kind: 'vread', path: `/fhir/${next().join('/')}/_history/1` }) };
    },
  });
  return { status: 'ok', scenario: 'vread', ...r };
}

function vitals(patient: string, i: number): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: {
      coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }],
      text: 'Heart rate',
    },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T15:00:00Z`,
    valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

const JSON_HEADERS = { 'content-type': 'application/fhir+json', prefer: 'return=minimal' };

/** POST [base]/Observation. */
export async function createScenario(t: Target, connections: number): Promise<ScenarioOutcome> {
  if (t.ids.patients.length === 0) return unavailable('create', connections, 'no patients loaded');
  const bodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify(vitals(t.ids.patients[(i * 7919) % t.ids.patients.length], i)),
  );
  const failed = await probe(t, 'create', connections, '/fhir/Observation', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: bodies[0],
  });
  if (failed) return failed;
  const r = await runLoad({
    origin: t.origin,
    headers: t.headers,
    connections,
    seconds: t.seconds,
    pid: t.pid,
    script: (c) => {
      const next = cycler(bodies, c, 1);
      return {
        next: () => ({
          kind: 'create',
          method: 'POST',
          path: '/fhir/Observation',
          headers: JSON_HEADERS,
          body: next(),
        }),
      };
    },
  });
  return { status: 'ok', scenario: 'create', ...r };
}

/** One connection's update loop over its own resource, carrying the latest ETag. */
function updateScript(id: string, body: string, etag: string): ConnectionScript {
  let current = etag;
  return {
    next: () => ({
      kind: 'update',
      method: 'PUT',
      path: `/fhir/Observation/${id}`,
      headers: { ...JSON_HEADERS, 'if-match': current },
      body,
    }),
    onResponse: (status, _body, headers) => {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === 'etag');
      const e = key === undefined ? undefined : headers[key];
      if (status >= 200 && status < 300 && typeof e === 'string') current = e;
    },
  };
}

/** PUT [base]/Observation/[id] with If-Match, one resource per connection. */
export async function updateScenario(t: Target, connections: number): Promise<ScenarioOutcome> {
  const ids = t.ids.of('Observation').slice(0, connections);
  if (ids.length < connections) return unavailable('update', connections, 'not enough Observations loaded');
  const owned: Array<{ id: string; body: string; etag: string }> = [];
  for (const id of ids) {
    const r = await request(`${t.base}/Observation/${id}`, { headers: t.headers });
    const etag = r.headers.get('etag');
    if (r.status !== 200 || !etag)
      return unavailable('update', connections, `read before update: ${describeFailure(r)}`);
    owned.push({ id, body: r.text, etag });
  }
  const r = await runLoad({
    origin: t.origin,
    headers: t.headers,
    connections,
    seconds: t.seconds,
    pid: t.pid,
    script: (c) => updateScript(owned[c].id, owned[c].body, owned[c].etag),
  });
  const note = r.non2xx > 0 ? `${r.statuses['412'] ?? 0} replies were 412 (stale ETag)` : undefined;
  return { status: 'ok', scenario: 'update', ...r, ...(note ? { note } : {}) };
}
