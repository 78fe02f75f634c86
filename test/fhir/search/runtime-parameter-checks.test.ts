/**
 * SearchParameters written at run time (fhir/runtime-params/check.ts): an active one the server cannot
 * serve is refused with 422 and an OperationOutcome whose `expression` names the element at fault, and
 * nothing is stored or registered; a code another parameter of a base already has is refused, however it
 * is written. A draft registers nothing; updating one takes it back to pending when its definition
 * changes (not when only its text does), deleting or retiring it takes it out; a transaction that fails
 * registers nothing; the built-in SearchParameters of profiles/ are stored as they are.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, SearchParameter } from 'fhir/r4.js';
import request from 'supertest';
import { PROFILES_DIR } from '../../../server/fhir/profiles/conformance.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import {
  FHIR_JSON,
  kickReindex,
  maidenNameParam,
  matchIds,
  patient,
  post,
  put,
  search,
  waitForJob,
  warnings,
} from '../operations/reindex-helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ conformance: true }); // the built-in SearchParameters of profiles/ are written too
  t.reindex.start();
  await put(t.app, patient('a1', 'Smith'));
  await put(t.app, patient('a2', 'Jones'));
});
afterAll(() => t.close());

const refused = (sp: Partial<SearchParameter>) => post(t.app, 'SearchParameter', maidenNameParam(sp));
/** How many SearchParameters with `url` are stored. */
const stored = async (url: string) =>
  ((await search(t.app, `SearchParameter?url=${encodeURIComponent(url)}`)).total ?? -1) as number;
/** The warning a lenient search on `query` gets (one at most). */
const warning = async (query: string) => warnings(await search(t.app, query))[0];
/** Runs $reindex of `type` to completion. */
const reindex = async (type: string) => {
  const kick = await kickReindex(t.app, `${type}/$reindex`);
  expect(kick.status).toBe(202);
  expect((await waitForJob(t.app, String(kick.headers['content-location']))).status).toBe(200);
};

describe('an active SearchParameter that cannot be served is refused with 422 and its FHIRPath', () => {
  const url = (n: number) => `http://example.org/fhir/SearchParameter/bad-${n}`;
  test.each<[string, Partial<SearchParameter>, string, RegExp]>([
    [
      'an element the model lacks',
      { expression: 'Patient.mothersName' },
      'SearchParameter.expression',
      /mothersName is not an element/,
    ],
    [
      'a syntax error',
      { expression: "Patient.extension.where(url='x'" },
      'SearchParameter.expression',
      /does not compile/,
    ],
    [
      'resolve() beyond a type check',
      { expression: 'Patient.generalPractitioner.resolve().name' },
      'SearchParameter.expression',
      /resolve\(\)/,
    ],
    [
      'a part rooted at another type',
      { expression: 'Observation.code' },
      'SearchParameter.expression',
      /starts from Observation, which is not a base/,
    ],
    ['no expression', { expression: undefined }, 'SearchParameter.expression', /needs an expression/],
    ['an abstract base', { base: ['Resource'] }, 'SearchParameter.base[0]', /concrete resource types/],
    ['a special type', { type: 'special' }, 'SearchParameter.type', /type special/],
    [
      'a code a built-in parameter has',
      { code: 'name' },
      'SearchParameter.code',
      /already the search parameter .* of Patient/,
    ],
    ['a reserved code', { code: '_maiden' }, 'SearchParameter.code', /reserved/],
    [
      'a code the query syntax breaks',
      { code: 'maiden.name' },
      'SearchParameter.code',
      /cannot be a search parameter name/,
    ],
    [
      'a composite with an unknown component',
      {
        type: 'composite',
        expression: 'Patient',
        component: [
          { definition: 'http://example.org/nope', expression: 'name' },
          { definition: 'http://example.org/nope2', expression: 'gender' },
        ],
      },
      'SearchParameter.component',
      /component http:\/\/example.org\/nope is unknown/,
    ],
  ])('%s', async (_label, over, expression, diagnostics) => {
    const n = Math.floor(Math.random() * 1e9);
    const res = await refused({ ...over, url: url(n) });
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        expression: [expression],
        diagnostics: expect.stringMatching(diagnostics),
      }),
    );
    expect(await stored(url(n))).toBe(0);
  });

  test('an unknown base or target type is refused by its required binding (400, the element named)', async () => {
    const base = await refused({ base: ['Patientt'] as unknown as SearchParameter['base'], url: url(1) });
    expect(base.status).toBe(400);
    expect(JSON.stringify(base.body.issue)).toContain('SearchParameter.base[0]');
    const target = await refused({
      type: 'reference',
      target: ['Nope'] as unknown as SearchParameter['target'],
      url: url(2),
    });
    expect(target.status).toBe(400);
    expect(JSON.stringify(target.body.issue)).toContain('SearchParameter.target[0]');
  });

  test('a built-in URL with another definition is refused at SearchParameter.url', async () => {
    const res = await refused({
      url: 'http://hl7.org/fhir/SearchParameter/individual-gender',
      code: 'gender2',
    });
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['SearchParameter.url']);
  });

  test('nothing refused reached the registry: the code stays unknown', async () => {
    expect(await warning('Patient?mothersName=x')).toMatch(/unknown search parameter for Patient/);
  });
});

describe('lifecycle of a registration', () => {
  let id: string;
  const body = () => ({ ...maidenNameParam(), id });

  test('a draft is stored and registers nothing', async () => {
    const res = await post(t.app, 'SearchParameter', maidenNameParam({ status: 'draft' }));
    expect(res.status).toBe(201);
    id = res.body.id as string;
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/unknown search parameter/);
  });

  test('made active it is pending, then active after $reindex of its type', async () => {
    await put(t.app, body());
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/mothers-maiden-name is pending/);
    await reindex('Patient');
    expect(matchIds(await search(t.app, 'Patient?mothers-maiden-name=smith'))).toEqual(['a1']);
  });

  test('a second registration of the same code on the same base is refused, so is a second one of the url', async () => {
    const sameCode = await post(
      t.app,
      'SearchParameter',
      maidenNameParam({ url: 'http://example.org/other' }),
    );
    expect([sameCode.status, sameCode.body.issue[0].expression]).toEqual([422, ['SearchParameter.code']]);
    const sameUrl = await post(t.app, 'SearchParameter', maidenNameParam({ code: 'maiden2' }));
    expect([sameUrl.status, sameUrl.body.issue[0].expression]).toEqual([422, ['SearchParameter.url']]);
  });

  test('an update of its text only keeps it active', async () => {
    await put(t.app, { ...body(), description: 'Another text' } as SearchParameter);
    expect(matchIds(await search(t.app, 'Patient?mothers-maiden-name=jones'))).toEqual(['a2']);
  });

  test('an update of its expression makes it pending again until $reindex', async () => {
    const family = { ...body(), expression: 'Patient.name.family' } as SearchParameter;
    await put(t.app, family);
    expect(await warning('Patient?mothers-maiden-name=family-a1')).toMatch(/is pending/);
    await reindex('Patient');
    expect(matchIds(await search(t.app, 'Patient?mothers-maiden-name=family-a1'))).toEqual(['a1']);
  });

  test('retired, it is no longer a parameter; active again, it is pending again', async () => {
    await put(t.app, { ...body(), status: 'retired' } as SearchParameter);
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/unknown search parameter/);
    await put(t.app, body());
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/is pending/);
  });

  test('deleted, it is no longer a parameter and its code is free again', async () => {
    expect((await request(t.app).delete(`/fhir/SearchParameter/${id}`)).status).toBe(204);
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/unknown search parameter/);
    const again = await post(t.app, 'SearchParameter', maidenNameParam({ url: 'http://example.org/again' }));
    expect(again.status).toBe(201);
    expect(await warning('Patient?mothers-maiden-name=smith')).toMatch(/is pending/);
  });
});

describe('other ways of writing', () => {
  test('a transaction Bundle that fails after registering a parameter registers nothing', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: maidenNameParam({ url: 'http://example.org/in-bundle', code: 'in-bundle' }),
          request: { method: 'POST', url: 'SearchParameter' },
        },
        { request: { method: 'DELETE', url: 'Patient/a1' } },
        { resource: patient('a9'), request: { method: 'PUT', url: 'Patient/a9', ifMatch: 'W/"7"' } },
      ],
    };
    const res = await request(t.app)
      .post('/fhir')
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify(bundle));
    expect(res.status).toBe(412);
    expect(await warning('Patient?in-bundle=x')).toMatch(/unknown search parameter/);
    expect(await stored('http://example.org/in-bundle')).toBe(0);
    const ok = await request(t.app)
      .post('/fhir')
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify({ ...bundle, entry: bundle.entry?.slice(0, 1) }));
    expect(ok.status).toBe(200);
    expect(await warning('Patient?in-bundle=x')).toMatch(/in-bundle is pending/);
  });

  test("$reindex's OperationDefinition is served and valid R4", async () => {
    const def = await request(t.app).get('/fhir/OperationDefinition/reindex');
    expect([def.status, def.body.url]).toEqual([200, 'http://ccm-fhir.org/fhir/OperationDefinition/reindex']);
    const checked = await post(t.app, 'OperationDefinition/$validate', def.body);
    expect(checked.body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
  });

  test('a built-in SearchParameter of profiles/ is stored as it is and changes nothing', async () => {
    const file = path.join(PROFILES_DIR, 'SearchParameter-task-ccm-due.json');
    const sp = JSON.parse(readFileSync(file, 'utf8')) as SearchParameter;
    await put(t.app, sp);
    const b = await search(t.app, 'Task?ccm-due=2024', { prefer: 'handling=strict' });
    expect(b.total).toBe(0);
    const changed = await put2(t.app, { ...sp, expression: 'Task.authoredOn' });
    expect([changed.status, changed.body.issue[0].expression]).toEqual([422, ['SearchParameter.url']]);
    const taken = await put2(t.app, {
      ...maidenNameParam({ url: 'http://example.org/mine', code: 'mine' }),
      id: sp.id,
    });
    expect([taken.status, taken.body.issue[0].expression]).toEqual([422, ['SearchParameter.id']]);
  });
});

/** PUT without expecting success. */
function put2(app: TestApp['app'], sp: SearchParameter) {
  return request(app)
    .put(`/fhir/SearchParameter/${sp.id}`)
    .set('content-type', FHIR_JSON)
    .send(JSON.stringify(sp));
}
