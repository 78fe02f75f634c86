/**
 * Invariants of the R4 definitions on writes (conformance-rules.html#constraints), the ones fhirpath.js cannot
 * evaluate and the server decides itself: dom-3 (a contained resource nobody refers to is refused; one
 * referred to by `#id`, also from a uri value, or referring to its container `#` is accepted), ref-1, ctm-1,
 * ras-1 and que-7; and slices nested in slices (R4's `bp` profile and its official example).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  CareTeam,
  Observation,
  OperationOutcome,
  Provenance,
  Questionnaire,
  RiskAssessment,
  Specimen,
} from 'fhir/r4.js';
import { R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

const FHIR_JSON = 'application/fhir+json';
const post = (url: string, body: unknown) =>
  request(t.app).post(url).set('content-type', FHIR_JSON).send(JSON.stringify(body));

const withContained = (extra: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  contained: [{ resourceType: 'Specimen', id: 'sp1' } as Specimen],
  ...extra,
});

test('dom-3: an unreferenced contained resource is refused, naming the constraint', async () => {
  const res = await post('/fhir/Observation', withContained({}));
  expect(res.status).toBe(400);
  const oo = res.body as OperationOutcome;
  const dom3 = oo.issue.filter((i) => /dom-3/.test(i.diagnostics ?? ''));
  expect(dom3).toHaveLength(1);
  expect(dom3[0].severity).toBe('error');
  expect(dom3[0].code).toBe('invariant');
  expect(dom3[0].expression).toEqual(['Observation']);
  // never "could not be evaluated"
  expect(oo.issue.some((i) => /could not be evaluated/.test(i.diagnostics ?? ''))).toBe(false);
});

test('dom-3: referenced by #id from a reference, or from a uri value, is accepted', async () => {
  expect((await post('/fhir/Observation', withContained({ specimen: { reference: '#sp1' } }))).status).toBe(
    201,
  );
  const viaUri = withContained({
    extension: [{ url: 'http://example.org/fhir/StructureDefinition/source', valueUri: '#sp1' }],
  });
  expect((await post('/fhir/Observation', viaUri)).status).toBe(201);
});

test('dom-3: a contained resource that refers to its container (#) is accepted', async () => {
  const obs: Observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'weight' },
    contained: [
      {
        resourceType: 'Provenance',
        id: 'pv',
        target: [{ reference: '#' }],
        recorded: '2026-01-01T00:00:00Z',
        agent: [{ who: { display: 'nurse' } }],
      } as Provenance,
    ],
  };
  const res = await post('/fhir/Observation', obs);
  expect(res.body.issue).toBeUndefined();
  expect(res.status).toBe(201);
});

/** The constraint keys of the error issues of a refused write. */
function failedConstraints(res: { status: number; body: OperationOutcome }): string[] {
  expect(res.status).toBe(400);
  return res.body.issue
    .filter((i) => i.severity === 'error')
    .flatMap((i) => /Constraint (\S+) failed/.exec(i.diagnostics ?? '')?.[1] ?? []);
}

test('ref-1: a local reference to no contained resource is refused', async () => {
  const obs: Observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'weight' },
    specimen: { reference: '#missing' },
  };
  expect(failedConstraints(await post('/fhir/Observation', obs))).toEqual(['ref-1']);
});

test('ctm-1: onBehalfOf only for a Practitioner member', async () => {
  const team = (member: string): CareTeam => ({
    resourceType: 'CareTeam',
    participant: [{ member: { reference: member }, onBehalfOf: { reference: 'Organization/o1' } }],
  });
  expect((await post('/fhir/CareTeam', team('Practitioner/p1'))).status).toBe(201);
  expect(failedConstraints(await post('/fhir/CareTeam', team('RelatedPerson/r1')))).toEqual(['ctm-1']);
});

test('ras-1: a probability range is in percent', async () => {
  const risk = (code: string): RiskAssessment => ({
    resourceType: 'RiskAssessment',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [
      {
        probabilityRange: {
          low: { value: 10, code, system: 'http://unitsofmeasure.org' },
          high: { value: 20, code, system: 'http://unitsofmeasure.org' },
        },
      },
    ],
  });
  expect((await post('/fhir/RiskAssessment', risk('%'))).status).toBe(201);
  expect(failedConstraints(await post('/fhir/RiskAssessment', risk('mg')))).toEqual(['ras-1']);
});

test("que-7: an 'exists' condition answers with a boolean", async () => {
  const form = (answer: Record<string, unknown>): Questionnaire => ({
    resourceType: 'Questionnaire',
    status: 'active',
    item: [
      { linkId: 'a', type: 'boolean', text: 'A?' },
      {
        linkId: 'b',
        type: 'string',
        text: 'B',
        enableWhen: [{ question: 'a', operator: 'exists', ...answer } as never],
      },
    ],
  });
  expect((await post('/fhir/Questionnaire', form({ answerBoolean: true }))).status).toBe(201);
  expect(failedConstraints(await post('/fhir/Questionnaire', form({ answerString: 'yes' })))).toEqual([
    'que-7',
  ]);
});

describe('slices nested in slices: the official blood-pressure example and the bp profile', () => {
  const BP = 'http://hl7.org/fhir/StructureDefinition/bp';
  const example = (): Observation => {
    const o = JSON.parse(
      readFileSync(path.join(R4_PACKAGE_DIR, 'Observation-blood-pressure.json'), 'utf8'),
    ) as Observation;
    return { ...o, meta: { profile: [BP] } };
  };

  test('validates against bp and is stored', async () => {
    const res = await request(t.app)
      .put(`/fhir/Observation/${example().id}`)
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify(example()));
    expect(res.body.issue).toBeUndefined();
    expect([200, 201]).toContain(res.status);
  });

  test('without the systolic component it is refused, naming the slice', async () => {
    const o = example();
    const noSystolic = {
      ...o,
      component: o.component?.filter((c) => c.code.coding?.[0]?.code !== '8480-6'),
    };
    expect(noSystolic.component).toHaveLength(1);
    const res = await post('/fhir/Observation', { ...noSystolic, id: undefined });
    expect(res.status).toBe(400);
    const diagnostics = (res.body as OperationOutcome).issue.map((i) => i.diagnostics ?? '');
    expect(diagnostics.some((d) => /SystolicBP/.test(d))).toBe(true);
    expect(diagnostics.some((d) => /DiastolicBP/.test(d))).toBe(false);
  });
});
