/**
 * A SearchParameter POSTed at run time answers after `$reindex` (issue #17 item 5): registered as pending on
 * its base, it is extracted from every write from then on, a search using it is answered like one with an
 * unknown parameter (ignored with a warning and left out of the `self` link; 400 under strict handling,
 * naming the parameter and the job), and once the job has indexed the resources stored before, it answers
 * with the exact expected result set (resources written before the registration, between the registration
 * and the job, and after the job) and is listed in the CapabilityStatement.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CapabilityStatement, Parameters } from 'fhir/r4.js';
import request from 'supertest';
import { REINDEX_DEFINITION } from '../../../server/fhir/reindex/kickoff.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import {
  INTERPRETATION,
  interpretationParam,
  kickReindex,
  maidenNameParam,
  matchIds,
  observation,
  patient,
  post,
  put,
  reportTypes,
  search,
  selfLink,
  waitForJob,
  warnings,
} from '../operations/reindex-helpers.js';

let t: TestApp;
let statusUrl: string;

const capabilityParams = async (type: string) => {
  const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
  return cs.rest?.[0].resource?.find((r) => r.type === type)?.searchParam ?? [];
};

beforeAll(async () => {
  t = await makeTestApp();
  // stored before any SearchParameter was registered
  await put(t.app, patient('p1', 'Smith'));
  await put(t.app, patient('p2', 'Jones'));
  await put(t.app, patient('p3', 'Smithers'));
  await put(t.app, patient('p4'));
  await put(t.app, patient('p5', 'Smith'));
  await put(t.app, observation('o1', 'H'));
  await put(t.app, observation('o2', 'L'));
  await put(t.app, observation('o3'));
});
afterAll(() => t.close());

describe('before $reindex: the parameters are pending', () => {
  beforeAll(async () => {
    for (const sp of [maidenNameParam(), interpretationParam()]) {
      const res = await post(t.app, 'SearchParameter', sp);
      expect([res.status, res.body.issue]).toEqual([201, undefined]);
    }
    // written after the registration, before the job: extracted at once
    await put(t.app, patient('p6', 'Smith'));
    await put(t.app, patient('p2', 'Smithson')); // Jones → Smithson
    await put(t.app, observation('o4', 'H'));
  });

  test('a lenient search ignores the parameter with a warning and leaves it out of the self link', async () => {
    const b = await search(t.app, 'Patient?mothers-maiden-name=smith&_count=50');
    expect(matchIds(b)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']); // not filtered
    expect(warnings(b)).toEqual([
      expect.stringMatching(
        /^Parameter mothers-maiden-name=smith was ignored: mothers-maiden-name is pending: .*\$reindex of Patient/,
      ),
    ]);
    expect(selfLink(b)).not.toContain('mothers-maiden-name');
  });

  test('a strict search is refused with 400 naming the parameter', async () => {
    const res = await request(t.app)
      .get('/fhir/Observation?interpretation=H')
      .set('prefer', 'handling=strict');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].code).toBe('not-supported');
    expect(res.body.issue[0].diagnostics).toMatch(
      /'interpretation' cannot be applied: interpretation is pending/,
    );
  });

  test('pending parameters are not in the CapabilityStatement', async () => {
    expect((await capabilityParams('Patient')).map((p) => p.name)).not.toContain('mothers-maiden-name');
    expect((await capabilityParams('Observation')).map((p) => p.name)).not.toContain('interpretation');
  });

  test('$reindex is asynchronous only: without Prefer: respond-async 400, GET 405', async () => {
    const sync = await request(t.app).post('/fhir/$reindex');
    expect(sync.status).toBe(400);
    expect(sync.body.issue[0].diagnostics).toMatch(/Prefer: respond-async/);
    expect((await request(t.app).get('/fhir/$reindex').set('prefer', 'respond-async')).status).toBe(405);
    expect(
      (await post(t.app, '$reindex', { resourceType: 'Patient' }, { prefer: 'respond-async' })).status,
    ).toBe(400);
  });

  test('the kick-off answers 202 with the status URL; the job is queued and named in the pending reason', async () => {
    const kick = await kickReindex(t.app);
    expect(kick.status).toBe(202);
    statusUrl = String(kick.headers['content-location']);
    expect(statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:8080\/fhir\/reindex-status\/[0-9a-f-]{36}$/);
    expect(kick.body.issue[0].diagnostics).toMatch(/accepted for Observation, Patient/);
    const status = await request(t.app).get(new URL(statusUrl).pathname);
    expect(status.status).toBe(202);
    expect(status.headers['x-progress']).toBe('queued');
    expect(reportTypes(status.body as Parameters)).toEqual({
      Observation: { state: 'queued', indexed: 0, total: 0, activated: [] },
      Patient: { state: 'queued', indexed: 0, total: 0, activated: [] },
    });
    const strict = await request(t.app)
      .get('/fhir/Patient?mothers-maiden-name=x')
      .set('prefer', 'handling=strict');
    expect(strict.body.issue[0].diagnostics).toContain(`the $reindex job ${statusUrl} is indexing them`);
  });
});

describe('after $reindex: the parameters answer', () => {
  beforeAll(async () => {
    t.reindex.start();
    const done = await waitForJob(t.app, statusUrl);
    expect(done.status).toBe(200);
    expect(done.headers.expires).toBeDefined();
    expect(reportTypes(done.body as Parameters)).toEqual({
      Observation: { state: 'complete', indexed: 4, total: 4, activated: ['interpretation'] },
      Patient: { state: 'complete', indexed: 6, total: 6, activated: ['mothers-maiden-name'] },
    });
  });

  test.each([
    ['Patient?mothers-maiden-name=smith', ['p1', 'p2', 'p3', 'p5', 'p6']],
    ['Patient?mothers-maiden-name:exact=Smith', ['p1', 'p5', 'p6']],
    ['Patient?mothers-maiden-name=jones', []],
    ['Patient?mothers-maiden-name:missing=true', ['p4']],
    [`Observation?interpretation=${INTERPRETATION}|H`, ['o1', 'o4']],
    ['Observation?interpretation=L,H', ['o1', 'o2', 'o4']],
    ['Observation?interpretation:missing=true', ['o3']],
  ])('%s', async (query, expected) => {
    const b = await search(t.app, query, { prefer: 'handling=strict' });
    expect(matchIds(b)).toEqual(expected);
    expect(warnings(b)).toEqual([]);
    expect(selfLink(b)).toContain(query.split('?')[1].split(/[=:]/)[0]);
  });

  test('the CapabilityStatement lists them with their definitions', async () => {
    expect(await capabilityParams('Patient')).toContainEqual({
      name: 'mothers-maiden-name',
      type: 'string',
      definition: maidenNameParam().url,
      documentation: expect.stringMatching(/^Registered at run time by SearchParameter\/[0-9a-f-]+/),
    });
    expect(await capabilityParams('Observation')).toContainEqual(
      expect.objectContaining({
        name: 'interpretation',
        type: 'token',
        definition: interpretationParam().url,
      }),
    );
  });

  test('the CapabilityStatement declares $reindex at system and type level and what pending parameters answer', async () => {
    const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
    const op = {
      name: 'reindex',
      definition: REINDEX_DEFINITION,
      documentation: expect.stringMatching(/respond-async/),
    };
    expect(cs.rest?.[0].operation).toContainEqual(op);
    expect(cs.rest?.[0].documentation).toMatch(/pending on their base types until \$reindex/);
    expect(cs.rest?.[0].resource?.find((r) => r.type === 'Observation')?.operation).toContainEqual(op);
  });

  test('resources written after the job are found too', async () => {
    await put(t.app, patient('p7', 'smith'));
    const b = await search(t.app, 'Patient?mothers-maiden-name:exact=smith');
    expect(matchIds(b)).toEqual(['p7']);
  });

  test('a system-level $reindex with nothing pending completes with no type', async () => {
    const kick = await kickReindex(t.app);
    expect(kick.body.issue[0].diagnostics).toMatch(/no type \(no search parameter is pending\)/);
    const done = await waitForJob(t.app, String(kick.headers['content-location']));
    expect(done.status).toBe(200);
    expect(reportTypes(done.body as Parameters)).toEqual({});
  });
});
