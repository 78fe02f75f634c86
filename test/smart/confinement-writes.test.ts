/**
 * What a token can write, class by class (README "What a token can reach"; SMART App Launch 2.2
 * scopes-and-launch-context.html: `c` create, `u` update and patch, `d` delete), plain and conditional
 * (R4 http.html#ccreate, #cond-update, #3.1.0.7.1). Every case reads the store afterwards: a refused
 * write must have written nothing. Conditional criteria are confined to what the token may reach, so
 * their answer never depends on data the token may not see (no existence oracle).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Provenance, Resource } from 'fhir/r4.js';
import {
  call,
  CLASSES,
  countOf,
  MIXED_PROVENANCE,
  OTHER,
  OWN,
  setUp,
  stateOf,
  type ClassCase,
  type Confinement,
} from './confinement-setup.js';

let c: Confinement;
beforeAll(async () => {
  c = await setUp();
});
afterAll(() => c.t.close());

type Who = 'system' | 'patient' | 'user';
/** The user token writes last: its allowed writes change the seeded resources (conditional cases run first). */
const WHO: Who[] = ['system', 'patient', 'user'];

const allowedFor = (k: ClassCase, who: Who) =>
  who === 'system' ? false : who === 'patient' ? k.patientWrites : k.userWrites;

/** The conditional forms, each with criteria naming `id`. */
const CONDITIONAL = [
  {
    form: 'conditional update',
    method: 'PUT',
    url: (t: string, id: string) => `/fhir/${t}?_id=${id}`,
    header: false,
  },
  {
    form: 'conditional delete',
    method: 'DELETE',
    url: (t: string, id: string) => `/fhir/${t}?_id=${id}`,
    header: false,
  },
  { form: 'conditional create', method: 'POST', url: (t: string) => `/fhir/${t}`, header: true },
] as const;

function conditional(form: (typeof CONDITIONAL)[number], k: ClassCase, id: string, token: string) {
  const body = form.method === 'DELETE' ? undefined : k.body(OWN);
  const headers: Record<string, string> = form.header ? { 'if-none-exist': `_id=${id}` } : {};
  return call(c, form.method, form.url(k.type, id), token, body, headers);
}

describe.each(CLASSES.flatMap((k) => CONDITIONAL.map((form) => ({ k, form }))))(
  '$form.form on $k.type: criteria naming what the token may not reach',
  ({ k, form }) => {
    test('patient token: the answer does not depend on a hidden match, and the hidden resource is untouched', async () => {
      const before = await stateOf(c, k.type, k.other);
      const hidden = await conditional(form, k, k.other, c.patient);
      const nothing = await conditional(form, k, 'cf-no-such-id', c.patient);
      expect(hidden.status).toBe(nothing.status);
      const expected = !k.own ? 403 : form.method === 'DELETE' ? 204 : 201;
      expect(hidden.status).toBe(expected);
      expect(await stateOf(c, k.type, k.other)).toBe(before);
    });

    test('system read-only token: 403, nothing written', async () => {
      const before = await countOf(c, k.type);
      expect((await conditional(form, k, k.other, c.system)).status).toBe(403);
      expect(await countOf(c, k.type)).toBe(before);
    });

    if (!k.userWrites) {
      test('user token: 403 on a conformance type, nothing written', async () => {
        const before = await stateOf(c, k.type, k.other);
        expect((await conditional(form, k, k.other, c.user)).status).toBe(403);
        expect(await stateOf(c, k.type, k.other)).toBe(before);
      });
    }
  },
);

describe.each(CLASSES.flatMap((k) => WHO.map((who) => ({ k, who }))))(
  "$k.name ($k.type): $who token on another patient's resource",
  ({ k, who }) => {
    const path = `/fhir/${k.type}/${k.other}`;
    const ok = allowedFor(k, who);

    test(`update: ${ok ? '200' : '403, nothing written'}`, async () => {
      const before = await stateOf(c, k.type, k.other);
      const res = await call(c, 'PUT', path, c[who], { ...k.body(OTHER), id: k.other });
      expect(res.status).toBe(ok ? 200 : 403);
      if (!ok) expect(await stateOf(c, k.type, k.other)).toBe(before);
    });

    test(`patch holding only a test op: ${ok ? '200' : '403, and the resource is not returned'}`, async () => {
      const before = await stateOf(c, k.type, k.other);
      const res = await call(c, 'PATCH', path, c[who], [{ op: 'test', path: '/id', value: k.other }]);
      expect(res.status).toBe(ok ? 200 : 403);
      if (!ok) {
        expect(res.body.resourceType).toBe('OperationOutcome');
        expect(await stateOf(c, k.type, k.other)).toBe(before);
      }
    });

    test(`create: ${ok ? '201' : '403, nothing written'}`, async () => {
      const before = await countOf(c, k.type);
      const res = await call(c, 'POST', `/fhir/${k.type}`, c[who], k.body(OTHER));
      expect(res.status).toBe(ok ? 201 : 403);
      expect(await countOf(c, k.type)).toBe(before + (ok ? 1 : 0));
    });

    test(`delete: ${ok ? '204' : '403, nothing deleted'}`, async () => {
      const before = await stateOf(c, k.type, k.other);
      const res = await call(c, 'DELETE', path, c[who]);
      expect(res.status).toBe(ok ? 204 : 403);
      if (!ok) expect(await stateOf(c, k.type, k.other)).toBe(before);
    });
  },
);

describe.each(CLASSES.filter((k) => k.own))(
  "$name ($type): patient token on its own patient's resources",
  (k) => {
    test('create, update and patch of its own: 201, 200, 200', async () => {
      const created = await call(c, 'POST', `/fhir/${k.type}`, c.patient, k.body(OWN));
      expect(created.status).toBe(201);
      const id = (created.body as Resource).id as string;
      expect((await call(c, 'PUT', `/fhir/${k.type}/${id}`, c.patient, { ...k.body(OWN), id })).status).toBe(
        200,
      );
      const patch = [{ op: 'test', path: '/id', value: id }];
      expect((await call(c, 'PATCH', `/fhir/${k.type}/${id}`, c.patient, patch)).status).toBe(200);
      expect((await call(c, 'DELETE', `/fhir/${k.type}/${id}`, c.patient)).status).toBe(204);
    });

    test('moving its own resource to the other patient: 403, nothing written', async () => {
      const id = k.own as string;
      const before = await stateOf(c, k.type, id);
      expect(
        (await call(c, 'PUT', `/fhir/${k.type}/${id}`, c.patient, { ...k.body(OTHER), id })).status,
      ).toBe(403);
      expect(await stateOf(c, k.type, id)).toBe(before);
    });
  },
);

describe('patient token: writes that point into what it may not reach', () => {
  test('a Binary whose securityContext is the other patient: 403', async () => {
    const before = await countOf(c, 'Binary');
    const body = CLASSES.find((k) => k.type === 'Binary')?.body(OTHER);
    expect((await call(c, 'POST', '/fhir/Binary', c.patient, body)).status).toBe(403);
    expect(await countOf(c, 'Binary')).toBe(before);
  });

  test("a Provenance targeting its own patient and the other patient's Condition: 403", async () => {
    const before = await countOf(c, 'Provenance');
    const body = {
      ...(CLASSES.find((k) => k.type === 'Provenance')?.body(OWN) as Resource),
      target: [{ reference: `Patient/${OWN}` }, { reference: 'Condition/cf-cond-2' }],
    };
    expect((await call(c, 'POST', '/fhir/Provenance', c.patient, body)).status).toBe(403);
    expect(await countOf(c, 'Provenance')).toBe(before);
  });

  /** A transaction writing a Condition of `subject` (by `urn:uuid`) and a Provenance targeting it and `Patient/OWN`. */
  function conditionWithProvenance(
    subject: string,
    target = 'urn:uuid:0d9f3e52-7a41-4c2e-9a55-2b7f0c1e6a10',
  ) {
    const provenance = CLASSES.find((k) => k.type === 'Provenance')?.body(OWN) as Resource;
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0d9f3e52-7a41-4c2e-9a55-2b7f0c1e6a10',
          resource: {
            resourceType: 'Condition',
            subject: { reference: `Patient/${subject}` },
            code: { text: 'written with its Provenance' },
          },
          request: { method: 'POST', url: 'Condition' },
        },
        {
          fullUrl: 'urn:uuid:5b0e2f7c-3d18-4f6a-8c21-9e4d7a6b3f02',
          resource: { ...provenance, target: [{ reference: `Patient/${OWN}` }, { reference: target }] },
          request: { method: 'POST', url: 'Provenance' },
        },
      ],
    };
  }

  test('a Provenance may target a resource written earlier in the same transaction: both stored together', async () => {
    const before = [await countOf(c, 'Condition'), await countOf(c, 'Provenance')];
    const res = await call(c, 'POST', '/fhir', c.patient, conditionWithProvenance(OWN));
    expect(res.status).toBe(200);
    const reply = res.body as Bundle;
    const condition = reply.entry?.[0]?.response?.location?.match(/Condition\/[^/]+/)?.[0];
    const provenanceAt = reply.entry?.[1]?.response?.location?.match(/Provenance\/[^/]+/)?.[0];
    expect(condition).toBeDefined();
    const stored = await call(c, 'GET', `/fhir/${provenanceAt}`, c.patient);
    expect((stored.body as Provenance).target.map((t) => t.reference)).toEqual([`Patient/${OWN}`, condition]);
    expect([await countOf(c, 'Condition'), await countOf(c, 'Provenance')]).toEqual([
      before[0] + 1,
      before[1] + 1,
    ]);
  });

  test("the same transaction with the written Condition in the other patient's record: 403, nothing stored", async () => {
    const before = [await countOf(c, 'Condition'), await countOf(c, 'Provenance')];
    expect((await call(c, 'POST', '/fhir', c.patient, conditionWithProvenance(OTHER))).status).toBe(403);
    expect([await countOf(c, 'Condition'), await countOf(c, 'Provenance')]).toEqual(before);
  });

  test("a Provenance naming an entry's fullUrl that no entry has, or another patient's Condition beside it: 403", async () => {
    const before = await countOf(c, 'Provenance');
    const unknown = conditionWithProvenance(OWN, 'urn:uuid:7f3c1a2b-9d8e-4f60-a1b2-c3d4e5f60718');
    expect((await call(c, 'POST', '/fhir', c.patient, unknown)).status).toBe(403);
    const theirs = conditionWithProvenance(OWN, 'Condition/cf-cond-2');
    expect((await call(c, 'POST', '/fhir', c.patient, theirs)).status).toBe(403);
    expect(await countOf(c, 'Provenance')).toBe(before);
  });

  test('in a batch the entries are independent: a Provenance may not target another entry', async () => {
    const before = await countOf(c, 'Provenance');
    const batch = { ...conditionWithProvenance(OWN), type: 'batch' };
    const res = await call(c, 'POST', '/fhir', c.patient, batch);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.[1]?.response?.status).toMatch(/^403/);
    expect(await countOf(c, 'Provenance')).toBe(before);
  });

  test('a Task whose focus is its own patient but whose for is the other: 403', async () => {
    const body = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      for: { reference: `Patient/${OTHER}` },
      focus: { reference: `Patient/${OWN}` },
    };
    expect((await call(c, 'POST', '/fhir/Task', c.patient, body)).status).toBe(403);
    const { for: _other, ...focusOnly } = body;
    expect((await call(c, 'POST', '/fhir/Task', c.patient, focusOnly)).status).toBe(201);
  });
});

describe('operations that only read stay open on conformance types (R4 operations.html)', () => {
  test.each(['patient', 'user'] as const)(
    '%s token: POST ValueSet/$expand is 200, not a write',
    async (who) => {
      const params = {
        resourceType: 'Parameters',
        parameter: [{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/administrative-gender' }],
      };
      const res = await call(c, 'POST', '/fhir/ValueSet/$expand', c[who], params);
      expect(res.status).toBe(200);
      expect(res.body.resourceType).toBe('ValueSet');
    },
  );
});

describe('patient token: conditional forms that name a resource outside its reach', () => {
  test("a conditional update matching nothing whose body id is the other patient's resource: 403, untouched", async () => {
    const before = await stateOf(c, 'Condition', 'cf-cond-2');
    const body = { ...(CLASSES[0].body(OWN) as Resource), id: 'cf-cond-2' };
    const res = await call(c, 'PUT', '/fhir/Condition?_id=cf-no-such-id', c.patient, body);
    expect(res.status).toBe(403);
    expect(await stateOf(c, 'Condition', 'cf-cond-2')).toBe(before);
  });

  test('conditional PATCH is not an interaction of this server: 405, nothing written', async () => {
    const before = await stateOf(c, 'Condition', 'cf-cond-2');
    const patch = [{ op: 'test', path: '/id', value: 'cf-cond-2' }];
    expect((await call(c, 'PATCH', '/fhir/Condition?_id=cf-cond-2', c.patient, patch)).status).toBe(405);
    expect(await stateOf(c, 'Condition', 'cf-cond-2')).toBe(before);
  });
});

describe('patient token: conditional writes never reach what only a per-instance check could refuse', () => {
  test('a conditional delete naming a Provenance of its compartment that targets another patient deletes nothing', async () => {
    const before = await stateOf(c, 'Provenance', MIXED_PROVENANCE);
    const res = await call(c, 'DELETE', `/fhir/Provenance?_id=${MIXED_PROVENANCE}`, c.patient);
    expect(res.status).toBe(204);
    expect(await stateOf(c, 'Provenance', MIXED_PROVENANCE)).toBe(before);
    expect((await call(c, 'DELETE', `/fhir/Provenance/${MIXED_PROVENANCE}`, c.patient)).status).toBe(403);
  });
});
