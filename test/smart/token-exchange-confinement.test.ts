/**
 * #18 acceptance 2: a token ccm-fhir issued by the token exchange for one linked patient cannot read or
 * write another patient, whichever way it asks: read, search (criteria on the other patient, odd letter
 * case), history, $everything, create/update/patch/delete, conditional forms and transaction or batch
 * entries. The attacker holds a real exchanged token (A = the EHR, B = ccm-fhir); the victim is another
 * linked patient whose Condition was written with its own exchanged token, and B's own demo patient.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bundle, Condition, Resource } from 'fhir/r4.js';
import {
  ehrAccessToken,
  ehrIdToken,
  exchange,
  issuerFor,
  startCcm,
  startEhr,
  type Ehr,
} from '../helpers/ehr-pair.js';
import { mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';

let ehr: Ehr;
let ccm: SmartTestApp;
/** The attacker's exchanged token and linked patient. */
let token: string;
let own: string;
/** The victim: another linked patient and its Condition. */
let victim: string;
let victimCondition: string;
const FHIR = 'application/fhir+json';

async function exchanged(patient: string): Promise<{ token: string; patient: string }> {
  const res = await exchange(ccm, {
    idToken: await ehrIdToken(ehr),
    actorToken: await ehrAccessToken(ehr.app.smart, patient),
    ehrPatient: patient,
  });
  expect(res.status).toBe(200);
  return { token: res.body.access_token as string, patient: res.body.patient as string };
}

const condition = (patient: string, extra: Partial<Condition> = {}): Condition => ({
  resourceType: 'Condition',
  subject: { reference: `Patient/${patient}` },
  code: { text: 'test condition' },
  ...extra,
});

const get = (path: string) => request(ccm.app).get(`/fhir/${path}`).set('authorization', `Bearer ${token}`);
const send = (method: 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown, type = FHIR) => {
  const r = request(ccm.app)[method](`/fhir/${path}`).set('authorization', `Bearer ${token}`);
  return body === undefined ? r : r.set('content-type', type).send(JSON.stringify(body));
};

/** Every resource of a search reply. */
function resources(body: unknown): Resource[] {
  return ((body as Bundle).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/** The victim's data is still there and unchanged (read with a system token). */
async function victimIntact(): Promise<void> {
  const system = await mintToken(ccm.smart, 'system/*.rs', { clientId: 'demo-ehr', sub: 'demo-ehr' });
  const res = await request(ccm.app)
    .get(`/fhir/Condition/${victimCondition}`)
    .set('authorization', `Bearer ${system}`);
  expect(res.status).toBe(200);
  expect(res.body.meta.versionId).toBe('1');
  expect(res.body.subject.reference).toBe(`Patient/${victim}`);
}

beforeAll(async () => {
  ehr = await startEhr();
  ccm = await startCcm([issuerFor(ehr)]);
  const victimLink = await exchanged('demo-patient-2');
  victim = victimLink.patient;
  const created = await request(ccm.app)
    .post('/fhir/Condition')
    .set('authorization', `Bearer ${victimLink.token}`)
    .set('content-type', FHIR)
    .send(JSON.stringify(condition(victim, { identifier: [{ system: 'urn:test', value: 'victim-1' }] })));
  expect(created.status).toBe(201);
  victimCondition = created.body.id as string;
  ({ token, patient: own } = await exchanged('demo-patient-1'));
  expect((await send('post', 'Condition', condition(own))).status).toBe(201);
});

afterAll(async () => {
  await ccm?.close();
  await ehr?.close();
});

describe('an exchanged token reads only its linked patient', () => {
  it('reads its own patient', async () => {
    expect((await get(`Patient/${own}`)).status).toBe(200);
  });

  it("cannot read another linked patient, B's own patients or their records", async () => {
    for (const path of [
      `Patient/${victim}`,
      'Patient/demo-patient-2',
      `Condition/${victimCondition}`,
      `Patient/${victim}/_history`,
      `Patient/${victim}/_history/1`,
      `Condition/${victimCondition}/_history/1`,
      `Patient/${victim}/$everything`,
    ]) {
      const res = await get(path);
      expect({ path, refused: [403, 404].includes(res.status) }).toEqual({ path, refused: true });
      expect(JSON.stringify(res.body)).not.toContain('test condition');
    }
  });

  it('finds nothing of another patient by search, whatever the criteria or their case', async () => {
    const enc = encodeURIComponent;
    const mine = await get('Condition');
    expect(resources(mine.body).map((r) => (r as Condition).subject?.reference)).toEqual([`Patient/${own}`]);
    for (const query of [
      'Condition',
      `Condition?patient=${victim}`,
      `Condition?subject=Patient/${victim}`,
      `Condition?subject:Patient=${victim}`,
      `Condition?patient=${enc(`http://127.0.0.1:8080/fhir/Patient/${victim}`)}`,
      `Condition?PATIENT=${victim}`,
      `Condition?Patient=${victim}`,
      `Condition?identifier=urn:test|victim-1`,
      `Condition?_id=${victimCondition}`,
      'Patient',
      `Patient?_id=${victim}`,
      `Patient?_id=${victim},${own}`,
      'Patient?_id=demo-patient-2',
      `Patient?_has:Condition:patient:identifier=urn:test|victim-1`,
      `Condition?patient.identifier=${enc(`${ehr.base}/Patient|demo-patient-2`)}`,
      `Patient?identifier=${enc(`${ehr.base}/Patient|demo-patient-2`)}`,
      `Condition?patient=${victim}&_include=Condition:patient`,
      `Patient?_id=${own}&_revinclude=Condition:patient`,
      `Patient/${victim}/Condition`,
      `_history`,
      `Condition/_history`,
    ]) {
      const res = await get(query);
      if (res.status === 200) {
        const found = resources(res.body);
        const theirs = found.filter(
          (r) =>
            (r.resourceType === 'Patient' && r.id !== own) ||
            (r.resourceType === 'Condition' && (r as Condition).subject?.reference !== `Patient/${own}`),
        );
        expect({ query, theirs }).toEqual({ query, theirs: [] });
      } else {
        expect({ query, refused: [400, 403, 404].includes(res.status) }).toEqual({ query, refused: true });
      }
    }
  });

  it('is refused on a lower-case resource type in the path', async () => {
    const res = await get(`patient/${victim}`);
    expect(res.status).toBe(404);
  });
});

describe('an exchanged token writes only its linked patient', () => {
  it("writes its own patient's record", async () => {
    const res = await send('post', 'Condition', condition(own));
    expect(res.status).toBe(201);
  });

  it('cannot create, update, patch or delete for another patient', async () => {
    const attempts = [
      await send('post', 'Condition', condition(victim)),
      await send('put', `Condition/${victimCondition}`, { ...condition(own), id: victimCondition }),
      await send('put', `Condition/${victimCondition}`, { ...condition(victim), id: victimCondition }),
      await send('put', `Patient/${victim}`, { resourceType: 'Patient', id: victim, active: false }),
      await send(
        'patch',
        `Condition/${victimCondition}`,
        [{ op: 'replace', path: '/subject/reference', value: `Patient/${own}` }],
        'application/json-patch+json',
      ),
      await send('delete', `Condition/${victimCondition}`),
      await send('delete', `Patient/${victim}`),
    ];
    for (const res of attempts) expect([403, 404]).toContain(res.status);
    await victimIntact();
  });

  it('cannot reach another patient through conditional forms', async () => {
    const ifNoneExist = await request(ccm.app)
      .post('/fhir/Condition')
      .set('authorization', `Bearer ${token}`)
      .set('content-type', FHIR)
      .set('if-none-exist', 'identifier=urn:test|victim-1')
      .send(JSON.stringify(condition(own, { identifier: [{ system: 'urn:test', value: 'victim-1' }] })));
    // The victim's match is invisible: a new Condition of the attacker's own patient is created.
    expect(ifNoneExist.status).toBe(201);
    expect(ifNoneExist.body.id).not.toBe(victimCondition);
    const condUpdate = await send('put', 'Condition?identifier=urn:test|victim-1', condition(victim));
    expect([403, 404, 412]).toContain(condUpdate.status);
    const condDelete = await send('delete', `Condition?patient=${victim}`);
    expect([204, 403, 404]).toContain(condDelete.status);
    await victimIntact();
  });

  it('cannot reach another patient through transaction or batch entries', async () => {
    const tx = await send('post', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: condition(own), request: { method: 'POST', url: 'Condition' } },
        { resource: condition(victim), request: { method: 'POST', url: 'Condition' } },
      ],
    });
    expect([403, 404]).toContain(tx.status);
    const txPut = await send('post', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...condition(own), id: victimCondition },
          request: { method: 'PUT', url: `Condition/${victimCondition}` },
        },
      ],
    });
    expect([403, 404]).toContain(txPut.status);
    const lower = await send('post', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: condition(victim), request: { method: 'post', url: 'Condition' } }],
    });
    expect(lower.status).toBe(400);
    const conditional = await send('post', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: condition(victim),
          request: { method: 'PUT', url: 'Condition?identifier=urn:test|victim-1' },
        },
      ],
    });
    expect([403, 404, 412]).toContain(conditional.status);
    const batch = await send('post', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Patient/${victim}` } },
        { request: { method: 'GET', url: `Condition?patient=${victim}` } },
        { request: { method: 'DELETE', url: `Condition/${victimCondition}` } },
      ],
    });
    expect(batch.status).toBe(200);
    const [read, search, del] = (batch.body as Bundle).entry ?? [];
    expect(read?.response?.status).toMatch(/^40[34]/);
    expect(resources(search?.resource ?? {}).length).toBe(0);
    expect(del?.response?.status).toMatch(/^40[34]/);
    await victimIntact();
  });

  it("cannot create a Provenance about another patient's record", async () => {
    const provenance = (...targets: string[]) => ({
      resourceType: 'Provenance',
      target: targets.map((reference) => ({ reference })),
      recorded: '2026-12-01T00:00:00Z',
      agent: [{ who: { reference: 'Practitioner/demo-pr-1' } }],
    });
    const theirs = await send('post', 'Provenance', provenance(`Condition/${victimCondition}`));
    expect([403, 404]).toContain(theirs.status);
    const mixed = await send(
      'post',
      'Provenance',
      provenance(`Condition/${victimCondition}`, `Patient/${own}`),
    );
    expect([403, 404]).toContain(mixed.status);
    const ours = await send('post', 'Provenance', provenance(`Patient/${own}`));
    expect(ours.status).toBe(201);
  });

  it('holds no scope beyond the patient and reading practitioners', async () => {
    const org = await send('post', 'Organization', { resourceType: 'Organization', name: 'x' });
    expect(org.status).toBe(403);
    const pr = await send('post', 'Practitioner', { resourceType: 'Practitioner' });
    expect(pr.status).toBe(403);
    expect((await get('Practitioner')).status).toBe(200);
  });
});
