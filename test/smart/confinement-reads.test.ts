/**
 * What a token can read, class by class (README "What a token can reach"; SMART App Launch 2.2
 * scopes-and-launch-context.html; R4 security.html#AccessDenied: what a token may not read is 404 or left
 * out). Every read interaction runs against every type class with a patient, a user and a system
 * read-only token, from a table, as an attacker would: the other patient's ids, by id, by search, by
 * every level of history, by _include/_revinclude and chains.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Resource } from 'fhir/r4.js';
import {
  call,
  CLASSES,
  LOOSE_BINARY,
  MIXED_PROVENANCE,
  OTHER,
  OWN,
  setUp,
  type Confinement,
} from './confinement-setup.js';

let c: Confinement;
beforeAll(async () => {
  c = await setUp();
});
afterAll(() => c.t.close());

const FHIR = { accept: 'application/fhir+json' };
const ids = (b: Bundle) => (b.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
type Who = 'patient' | 'user' | 'system';
const WHO: Who[] = ['patient', 'user', 'system'];

/** One resource a token should or should not read. */
interface Target {
  label: string;
  type: string;
  id: string;
  reads: Record<Who, boolean>;
  /** Whether a type-level search lists it for the patient token (Binary: never, see reach.ts). */
  patientLists: boolean;
}

const TARGETS: Target[] = [
  ...CLASSES.flatMap((k) => [
    {
      label: `${k.name}: the other patient's ${k.type}`,
      type: k.type,
      id: k.other,
      reads: { patient: k.patientReads, user: true, system: true },
      patientLists: k.patientReads,
    },
    ...(k.own
      ? [
          {
            label: `${k.name}: the own patient's ${k.type}`,
            type: k.type,
            id: k.own,
            reads: { patient: true, user: true, system: true },
            patientLists: k.type !== 'Binary',
          },
        ]
      : []),
  ]),
  {
    label: 'Binary without securityContext',
    type: 'Binary',
    id: LOOSE_BINARY,
    reads: { patient: false, user: true, system: true },
    patientLists: false,
  },
  {
    label: "Provenance in the own compartment that also targets the other patient's Condition",
    type: 'Provenance',
    id: MIXED_PROVENANCE,
    reads: { patient: true, user: true, system: true },
    patientLists: true,
  },
];

const CASES = TARGETS.flatMap((target) => WHO.map((who) => ({ target, who })));

describe.each(CASES)('$target.label, $who token', ({ target, who }) => {
  const allowed = target.reads[who];
  const lists = who === 'patient' ? target.patientLists : true;
  const path = `/fhir/${target.type}/${target.id}`;
  const token = () => c[who];

  test(`read and vread: ${allowed ? '200' : '404'}`, async () => {
    expect((await call(c, 'GET', path, token(), undefined, FHIR)).status).toBe(allowed ? 200 : 404);
    expect((await call(c, 'GET', `${path}/_history/1`, token(), undefined, FHIR)).status).toBe(
      allowed ? 200 : 404,
    );
  });

  test(`instance history: ${allowed ? '200' : '404'}`, async () => {
    expect((await call(c, 'GET', `${path}/_history`, token())).status).toBe(allowed ? 200 : 404);
  });

  test(`search by _id ${lists ? 'lists' : 'does not list'} it`, async () => {
    const res = await call(c, 'GET', `/fhir/${target.type}?_id=${target.id}`, token());
    expect(res.status).toBe(200);
    expect(ids(res.body as Bundle).includes(`${target.type}/${target.id}`)).toBe(lists);
  });

  test(`type and system history ${lists ? 'list' : 'do not list'} it`, async () => {
    for (const url of [`/fhir/${target.type}/_history?_count=500`, '/fhir/_history?_count=1000']) {
      const res = await call(c, 'GET', url, token());
      expect(res.status).toBe(200);
      expect(ids(res.body as Bundle).includes(`${target.type}/${target.id}`)).toBe(lists);
    }
  });
});

describe('patient token: searches that reach across resources', () => {
  test("Task?subject= the other patient lists none of the other patient's Tasks", async () => {
    const res = await call(c, 'GET', `/fhir/Task?subject=Patient/${OTHER}`, c.patient);
    expect(res.status).toBe(200);
    expect(ids(res.body as Bundle)).toEqual([]);
  });

  test('_revinclude of Provenance lists only the Provenance the token reaches', async () => {
    const res = await call(c, 'GET', `/fhir/Patient?_id=${OWN}&_revinclude=Provenance:target`, c.patient);
    expect(ids(res.body as Bundle).sort()).toEqual(
      [`Patient/${OWN}`, 'Provenance/cf-prov-1', `Provenance/${MIXED_PROVENANCE}`].sort(),
    );
  });

  test("_include of a Provenance's targets leaves the other patient's Condition out", async () => {
    const res = await call(
      c,
      'GET',
      `/fhir/Provenance?_id=${MIXED_PROVENANCE}&_include=Provenance:target`,
      c.patient,
    );
    expect(ids(res.body as Bundle).sort()).toEqual(
      [`Patient/${OWN}`, `Provenance/${MIXED_PROVENANCE}`].sort(),
    );
  });

  test("_revinclude of Task:subject never adds the other patient's Task", async () => {
    const res = await call(c, 'GET', `/fhir/Patient?_id=${OWN}&_revinclude=Task:subject`, c.patient);
    expect(ids(res.body as Bundle).sort()).toEqual([`Patient/${OWN}`, 'Task/cf-task-1'].sort());
  });

  test("$everything on the own patient holds nothing of the other patient's", async () => {
    const res = await call(c, 'GET', `/fhir/Patient/${OWN}/$everything?_count=1000`, c.patient);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(OTHER);
  });

  test('$everything on the other patient is 404', async () => {
    expect((await call(c, 'GET', `/fhir/Patient/${OTHER}/$everything`, c.patient)).status).toBe(404);
  });

  test('$export needs unconfined read: 403 for the patient token, accepted for the system one', async () => {
    const prefer = { prefer: 'respond-async', accept: 'application/fhir+json' };
    expect((await call(c, 'GET', '/fhir/$export', c.patient, undefined, prefer)).status).toBe(403);
    expect((await call(c, 'GET', '/fhir/Patient/$export', c.patient, undefined, prefer)).status).toBe(403);
    expect((await call(c, 'GET', '/fhir/$export', c.system, undefined, prefer)).status).toBe(202);
  });
});

describe('R4 history of a deleted resource the token may not read', () => {
  test("the other patient's deleted Condition: instance history and vread are 404, not 200", async () => {
    await c.t.services.resources.put(
      'Condition',
      'cf-cond-gone',
      {
        resourceType: 'Condition',
        id: 'cf-cond-gone',
        subject: { reference: `Patient/${OTHER}` },
      } as Resource,
      { method: 'PUT' },
    );
    await c.t.services.resources.delete('Condition', 'cf-cond-gone');
    expect((await call(c, 'GET', '/fhir/Condition/cf-cond-gone/_history', c.patient)).status).toBe(404);
    expect((await call(c, 'GET', '/fhir/Condition/cf-cond-gone/_history/1', c.patient)).status).toBe(404);
    expect((await call(c, 'GET', '/fhir/Condition/cf-cond-gone/_history', c.user)).status).toBe(200);
  });

  test("the own patient's deleted Condition: instance history stays 200", async () => {
    await c.t.services.resources.put(
      'Condition',
      'cf-cond-own-gone',
      {
        resourceType: 'Condition',
        id: 'cf-cond-own-gone',
        subject: { reference: `Patient/${OWN}` },
      } as Resource,
      { method: 'PUT' },
    );
    await c.t.services.resources.delete('Condition', 'cf-cond-own-gone');
    expect((await call(c, 'GET', '/fhir/Condition/cf-cond-own-gone/_history', c.patient)).status).toBe(200);
  });
});
