/**
 * Bundle entries are checked as what they will run (SMART App Launch 2.2 scopes-and-launch-context.html
 * "Batches and Transactions"; R4 http.html#transaction). `Bundle.entry.request.method` is an R4 HTTPVerb
 * code (valueset-http-verb.html: GET, HEAD, POST, PUT, DELETE, PATCH), and codes are case-sensitive: any
 * other spelling is refused with 400 naming `Bundle.entry[n].request.method`, never run unchecked. Every
 * method in every letter case, in a transaction and in a batch, against every type class, with a token
 * without clinical scopes, a patient, a system read-only and a user token; the store is read afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from 'fhir/r4.js';
import {
  call,
  CLASSES,
  countOf,
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

type Who = 'none' | 'patient' | 'system' | 'user';
/** The user token comes last (its allowed writes change the seeded resources), and DELETE last of all. */
const WHO: Who[] = ['none', 'patient', 'system', 'user'];
const METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'HEAD', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const spellings = (m: Method) => [m, m.toLowerCase(), `${m[0]}${m.slice(1).toLowerCase()}`];
const KINDS = ['transaction', 'batch'] as const;

const STATUS: Record<Method, string> = {
  POST: '201',
  PUT: '200',
  PATCH: '200',
  GET: '200',
  HEAD: '200',
  DELETE: '204',
};

function entryOf(k: ClassCase, method: Method, spelled: string): BundleEntry {
  const url = method === 'POST' ? k.type : `${k.type}/${k.other}`;
  const request = { method: spelled, url } as BundleEntry['request'];
  if (method === 'POST') return { resource: k.body(OTHER), request };
  if (method === 'PUT') return { resource: { ...k.body(OTHER), id: k.other }, request };
  if (method === 'PATCH') {
    const ops = [{ op: 'test', path: '/id', value: k.other }];
    const data = Buffer.from(JSON.stringify(ops)).toString('base64');
    const patch = { resourceType: 'Binary', contentType: 'application/json-patch+json', data } as Resource;
    return { resource: patch, request };
  }
  return { request };
}

/** Whether `who` may do `method` on the other patient's resource of class `k`. */
function allowed(k: ClassCase, method: Method, who: Who): boolean {
  if (who === 'none') return false;
  if (method === 'GET' || method === 'HEAD') return who !== 'patient' || k.patientReads;
  if (who === 'system') return false;
  return who === 'patient' ? k.patientWrites : k.userWrites;
}

/** Conditional entries whose criteria name `id` (R4 http.html#trules: they are resolved by search). */
function conditionalEntry(k: ClassCase, method: 'PUT' | 'DELETE' | 'POST', id: string): BundleEntry {
  if (method === 'POST')
    return { resource: k.body(OWN), request: { method, url: k.type, ifNoneExist: `_id=${id}` } };
  const request = { method, url: `${k.type}?_id=${id}` };
  return method === 'PUT' ? { resource: k.body(OWN), request } : { request };
}

const CONDITIONAL_CASES = CLASSES.flatMap((k) =>
  (['PUT', 'DELETE', 'POST'] as const).flatMap((method) => KINDS.map((kind) => ({ k, method, kind }))),
);

describe.each(CONDITIONAL_CASES)(
  '$kind conditional $method on $k.type, patient token',
  ({ k, method, kind }) => {
    test('the answer does not depend on a match the token may not reach; the hidden resource is untouched', async () => {
      const before = await stateOf(c, k.type, k.other);
      const send = async (id: string) => {
        const bundle = { resourceType: 'Bundle', type: kind, entry: [conditionalEntry(k, method, id)] };
        const res = await call(c, 'POST', '/fhir', c.patient, bundle);
        return `${res.status} ${(res.body as Bundle).entry?.[0]?.response?.status ?? ''}`;
      };
      const hidden = await send(k.other);
      expect(hidden).toBe(await send('cf-no-such-id'));
      expect(hidden).toMatch(k.own ? /^200 20[14]/ : kind === 'batch' ? /^200 403/ : /^403/);
      expect(await stateOf(c, k.type, k.other)).toBe(before);
    });
  },
);

describe('a batch with an allowed and a refused write entry (R4 http.html#brules)', () => {
  test("the allowed entry runs, the refused one answers 403 in its entry and writes nothing of the other patient's", async () => {
    const k = CLASSES.find((x) => x.name === 'compartment') as ClassCase;
    const before = await stateOf(c, k.type, k.other);
    const count = await countOf(c, k.type);
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: k.body(OWN), request: { method: 'POST', url: k.type } },
        {
          resource: { ...k.body(OTHER), id: k.other },
          request: { method: 'PUT', url: `${k.type}/${k.other}` },
        },
        { resource: k.body(OTHER), request: { method: 'POST', url: k.type } },
      ],
    };
    const res = await call(c, 'POST', '/fhir', c.patient, bundle);
    expect(res.status).toBe(200);
    const statuses = ((res.body as Bundle).entry ?? []).map((e) => String(e.response?.status).slice(0, 3));
    expect(statuses).toEqual(['201', '403', '403']);
    expect(await stateOf(c, k.type, k.other)).toBe(before);
    expect(await countOf(c, k.type)).toBe(count + 1);
  });
});

describe('conditional references inside a transaction (R4 http.html#trules)', () => {
  const observation = (focus: string) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: `Patient/${OWN}` },
          focus: [{ reference: focus }],
        },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  });

  test("resolve only to what the token may read: the other patient's Condition is 412 like no Condition", async () => {
    const before = await countOf(c, 'Observation');
    const hidden = await call(c, 'POST', '/fhir', c.patient, observation('Condition?_id=cf-cond-2'));
    const nothing = await call(c, 'POST', '/fhir', c.patient, observation('Condition?_id=cf-no-such-id'));
    expect([hidden.status, nothing.status]).toEqual([412, 412]);
    expect(await countOf(c, 'Observation')).toBe(before);
    const own = await call(c, 'POST', '/fhir', c.patient, observation('Condition?_id=cf-cond-1'));
    expect(own.status).toBe(200);
  });
});

const CASES = WHO.flatMap((who) =>
  METHODS.flatMap((method) =>
    CLASSES.flatMap((k) =>
      spellings(method).flatMap((spelled) => KINDS.map((kind) => ({ who, method, spelled, kind, k }))),
    ),
  ),
);

describe.each(CASES)(
  '$kind $spelled on $k.type ($k.name), $who token',
  ({ who, method, spelled, kind, k }) => {
    const canonical = spelled === method;
    const ok = canonical && allowed(k, method, who);
    const read = method === 'GET' || method === 'HEAD';
    const expected = !canonical
      ? '400 naming Bundle.entry[0].request.method'
      : ok
        ? STATUS[method]
        : read
          ? who === 'none'
            ? '403'
            : '404'
          : kind === 'transaction'
            ? '403, nothing written'
            : "batch 200, the entry's response 403, nothing written";

    test(expected, async () => {
      const before = [await stateOf(c, k.type, k.other), await countOf(c, k.type)];
      const bundle = { resourceType: 'Bundle', type: kind, entry: [entryOf(k, method, spelled)] };
      const res = await call(c, 'POST', '/fhir', c[who], bundle);
      const body = res.body as Bundle | OperationOutcome;
      if (!canonical) {
        const outcome =
          kind === 'transaction'
            ? (body as OperationOutcome)
            : ((body as Bundle).entry?.[0]?.response?.outcome as OperationOutcome);
        expect(
          kind === 'transaction' ? String(res.status) : (body as Bundle).entry?.[0]?.response?.status,
        ).toMatch(/^400/);
        expect(outcome.issue[0].expression).toEqual(['Bundle.entry[0].request.method']);
      } else if (read) {
        const refusal = who === 'none' ? 403 : 404;
        expect(res.status).toBe(!ok && kind === 'transaction' ? refusal : 200);
        if (kind === 'batch') {
          const status = (body as Bundle).entry?.[0]?.response?.status ?? '';
          expect(status.slice(0, 3)).toBe(ok ? '200' : String(refusal));
        }
      } else if (ok) {
        expect(res.status).toBe(200);
        expect(String((body as Bundle).entry?.[0]?.response?.status).slice(0, 3)).toBe(STATUS[method]);
      } else if (kind === 'transaction') {
        expect(res.status).toBe(403);
        expect(body.resourceType).toBe('OperationOutcome');
        expect(JSON.stringify(body)).toContain('Bundle.entry[0]');
      } else {
        // A batch answers the refused entry in its own response entry (R4 http.html#brules).
        expect(res.status).toBe(200);
        const response = (body as Bundle).entry?.[0]?.response;
        expect(String(response?.status).slice(0, 3)).toBe('403');
        expect(JSON.stringify(response?.outcome)).toContain('Bundle.entry[0]');
      }
      if (!ok || read) expect([await stateOf(c, k.type, k.other), await countOf(c, k.type)]).toEqual(before);
    });
  },
);
