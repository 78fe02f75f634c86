/**
 * Acceptance: bad input never yields a 5xx or a crash; each gets a 4xx OperationOutcome whose issue names
 * the problem, with `expression` where it is an element (R4 http.html#2.21.0.13, operationoutcome.html).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4.js';
import { exampleFiles, readExample } from '../helpers/examples.js';
import { mutate, prng } from '../helpers/mutate.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ bodyLimitBytes: 4 * 1024 * 1024 });
});
afterAll(async () => {
  await t.close();
});

const post = (type: string, body: string, contentType = 'application/fhir+json') =>
  request(t.app).post(`/fhir/${type}`).set('content-type', contentType).send(body);

function expectOutcome(res: request.Response, status: number): OperationOutcome {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  const oo = res.body as OperationOutcome;
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue.length).toBeGreaterThan(0);
  expect(oo.issue[0].severity).toBe('error');
  return oo;
}

const expressions = (oo: OperationOutcome) => oo.issue.flatMap((i) => i.expression ?? []);

describe('malformed requests', () => {
  test('malformed JSON is 400 naming the parse error', async () => {
    const oo = expectOutcome(await post('Patient', '{"resourceType": "Patient",'), 400);
    expect(oo.issue[0].diagnostics).toMatch(/not valid JSON/);
  });

  test('a body that is not an object is 400', async () => {
    expectOutcome(await post('Patient', '[1,2,3]'), 400);
    expectOutcome(await post('Patient', '"Patient"'), 400);
    expectOutcome(await post('Patient', 'null'), 400);
  });

  test('resourceType disagreeing with the URL is 400 at resourceType', async () => {
    const oo = expectOutcome(await post('Patient', JSON.stringify({ resourceType: 'Condition' })), 400);
    expect(expressions(oo)).toEqual(['resourceType']);
  });

  test('an empty POST body is 400 (required)', async () => {
    const res = await request(t.app).post('/fhir/Patient').set('content-type', 'application/fhir+json');
    const oo = expectOutcome(res, 400);
    expect(oo.issue[0].code).toBe('required');
  });

  test('a body over the limit is 413', async () => {
    const big = JSON.stringify({
      resourceType: 'Patient',
      text: { status: 'generated', div: `<div>${'x'.repeat(5 * 1024 * 1024)}</div>` },
    });
    const oo = expectOutcome(await post('Patient', big), 413);
    expect(oo.issue[0].code).toBe('too-long');
  });

  test('unknown elements are 400 with their expression', async () => {
    const oo = expectOutcome(
      await post('Patient', JSON.stringify({ resourceType: 'Patient', nmae: [{ family: 'x' }] })),
      400,
    );
    expect(expressions(oo)).toContain('Patient.nmae');
  });

  test('wrong JSON types are 400 with their expression', async () => {
    const oo = expectOutcome(
      await post(
        'Patient',
        JSON.stringify({ resourceType: 'Patient', active: 'true', name: { family: 'x' } }),
      ),
      400,
    );
    expect(expressions(oo)).toEqual(expect.arrayContaining(['Patient.active', 'Patient.name']));
  });

  test('a malformed date is 400', async () => {
    const oo = expectOutcome(
      await post('Patient', JSON.stringify({ resourceType: 'Patient', birthDate: '1950-02-30' })),
      400,
    );
    expect(expressions(oo)).toEqual(['Patient.birthDate']);
  });

  test('a missing required element is 400', async () => {
    const oo = expectOutcome(
      await post('Condition', JSON.stringify({ resourceType: 'Condition', code: { text: 'x' } })),
      400,
    );
    expect(expressions(oo)).toContain('Condition.subject');
  });

  test('a malformed reference is 400', async () => {
    const body = { resourceType: 'Condition', subject: { reference: 'Patient/has space' } };
    const oo = expectOutcome(await post('Condition', JSON.stringify(body)), 400);
    expect(expressions(oo)).toContain('Condition.subject.reference');
  });

  test('a 2 MB string is 400 too-long (R4 strings are at most 1 MB)', async () => {
    const body = { resourceType: 'Patient', name: [{ family: 'f'.repeat(2 * 1024 * 1024) }] };
    const oo = expectOutcome(await post('Patient', JSON.stringify(body)), 400);
    expect(
      oo.issue.some((i) => i.code === 'too-long' && i.expression?.[0] === 'Patient.name[0].family'),
    ).toBe(true);
  });

  test('1,000 levels of nesting are 400, quickly and without a crash', async () => {
    let nested: object = { url: 'http://example.org/x', valueString: 'leaf' };
    for (let i = 0; i < 1000; i++) nested = { url: 'http://example.org/x', extension: [nested] };
    const res = await post('Patient', JSON.stringify({ resourceType: 'Patient', extension: [nested] }));
    expectOutcome(res, 400);
    const arrays = await post('Patient', `${'['.repeat(1000)}${']'.repeat(1000)}`);
    expectOutcome(arrays, 400);
  });

  test('invalid percent-encoding and invalid ids in the path are 400', async () => {
    expectOutcome(await request(t.app).get('/fhir/Patient/%E0%A4%A'), 400);
    expectOutcome(await request(t.app).get('/fhir/Patient/a%20b'), 400);
  });

  test('nothing of the rejected writes was stored', async () => {
    const hist = await request(t.app).get('/fhir/_history');
    expect(hist.body.total).toBe(0);
  });
});

describe('1,000 randomly mutated copies of valid resources', () => {
  const files = exampleFiles([
    'CarePlan',
    'Condition',
    'Consent',
    'Task',
    'Encounter',
    'Patient',
    'Observation',
  ]);
  const examples = files.map(readExample);

  test('each gets a 4xx OperationOutcome naming an element; none a 5xx', async () => {
    const rand = prng(20261126);
    const failures: string[] = [];
    let done = 0;
    while (done < 1000) {
      const example = examples[Math.floor(rand() * examples.length)];
      const m = mutate(example, rand);
      if (!m) continue;
      done++;
      const res = await post(example.resourceType, JSON.stringify(m.resource));
      const oo = res.body as OperationOutcome;
      const named = (oo.issue ?? []).some((i) =>
        (i.expression ?? []).some((e) => e.startsWith(`${example.resourceType}.`)),
      );
      if (res.status !== 400 || oo.resourceType !== 'OperationOutcome' || !named) {
        failures.push(
          `${m.kind} at ${m.path}: ${res.status} ${JSON.stringify(oo.issue ?? res.text).slice(0, 200)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect((await request(t.app).get('/fhir/_history')).body.total).toBe(0);
  });
});
