/**
 * The resource server: every /fhir interaction needs a valid token for this server (RFC 6750; SMART App
 * Launch 2.2), and scopes v1/v2 are enforced per interaction with patient-compartment confinement
 * (scopes-and-launch-context.html; R4 compartmentdefinition-patient.html). ONC (g)(10) "Unauthorized
 * access", "Limited scopes" and "patient restriction" tests.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Resource } from 'fhir/r4.js';
import { SignJWT } from 'jose';
import { makeSmartTestApp, mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';

let t: SmartTestApp;
let own: string; // patient/*.rs for demo-patient-1
beforeAll(async () => {
  t = await makeSmartTestApp();
  own = await mintToken(t.smart, 'patient/*.rs', { patient: 'demo-patient-1' });
});
afterAll(() => t.close());

const get = (path: string, token?: string) => {
  const r = request(t.app).get(path);
  return token ? r.set('authorization', `Bearer ${token}`) : r;
};
const send = (
  method: 'post' | 'put' | 'delete' | 'patch',
  path: string,
  token: string,
  body?: unknown,
  type = 'application/fhir+json',
) => {
  const r = request(t.app)[method](path).set('authorization', `Bearer ${token}`);
  return body === undefined ? r : r.set('content-type', type).send(JSON.stringify(body));
};
const ids = (b: Bundle) => (b.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
const condition = (patient: string, extra: Partial<Record<string, unknown>> = {}) => ({
  resourceType: 'Condition',
  subject: { reference: `Patient/${patient}` },
  code: { text: 'Test condition' },
  ...extra,
});

describe('authentication (RFC 6750)', () => {
  test('ONC (g)(10) "no token": exactly 401 with a Bearer challenge and an OperationOutcome', async () => {
    const res = await get('/fhir/Patient/demo-patient-1');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ccm-fhir"');
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('RFC 6750 §3.1 invalid_token: a malformed or forged token is 401', async () => {
    const forged = await new SignJWT({ scope: 'system/*.cruds' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new Uint8Array(32));
    for (const token of ['garbage', forged]) {
      const res = await get('/fhir/Patient', token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
  });

  test('SMART 2.2 app-launch.html "aud": a token issued for another server is refused', async () => {
    const token = await new SignJWT({
      jti: 'x1',
      client_id: 'test-public',
      scope: 'patient/*.rs',
      gid: 'g',
      patient: 'demo-patient-1',
      sub: 'okonkwo',
    })
      .setProtectedHeader({ alg: 'RS256', kid: t.smart.keys.kid, typ: 'at+jwt' })
      .setIssuer(t.smart.issuer)
      .setAudience('https://other-server.example.org/fhir')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(t.smart.keys.privateKey);
    const res = await get('/fhir/Patient/demo-patient-1', token);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/aud/);
  });

  test('RFC 6750 §2.3: an access_token in the URL is refused', async () => {
    const res = await get(`/fhir/Patient/demo-patient-1?access_token=${own}`);
    expect(res.status).toBe(401);
  });
});

describe('scopes per interaction', () => {
  test('ONC (g)(10) "limited scopes": a type without a scope is 403 insufficient_scope', async () => {
    const token = await mintToken(t.smart, 'patient/Condition.rs', { patient: 'demo-patient-1' });
    const res = await get('/fhir/Encounter?patient=demo-patient-1', token);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('scopes-and-launch-context.html permission-v1: patient/Condition.read reads and searches', async () => {
    const token = await mintToken(t.smart, 'patient/Condition.read', { patient: 'demo-patient-1' });
    expect((await get('/fhir/Condition/demo-patient-1-cond-1', token)).status).toBe(200);
    expect((await get('/fhir/Condition', token)).status).toBe(200);
  });

  test('scopes-and-launch-context.html v2: .r without .s reads but cannot search; .s without .r searches but cannot read', async () => {
    const r = await mintToken(t.smart, 'patient/Condition.r', { patient: 'demo-patient-1' });
    const s = await mintToken(t.smart, 'patient/Condition.s', { patient: 'demo-patient-1' });
    expect((await get('/fhir/Condition/demo-patient-1-cond-1', r)).status).toBe(200);
    expect((await get('/fhir/Condition', r)).status).toBe(403);
    expect((await get('/fhir/Condition', s)).status).toBe(200);
    expect((await get('/fhir/Condition/demo-patient-1-cond-1', s)).status).toBe(403);
  });

  test('scopes-and-launch-context.html: system/*.rs cannot create (403); user/*.cruds can (201)', async () => {
    const ro = await mintToken(t.smart, 'system/*.rs', { clientId: 'demo-analyst', sub: 'demo-analyst' });
    const rw = await mintToken(t.smart, 'user/*.cruds');
    expect((await send('post', '/fhir/Condition', ro, condition('demo-patient-3'))).status).toBe(403);
    expect((await send('post', '/fhir/Condition', rw, condition('demo-patient-3'))).status).toBe(201);
  });

  test('R4 http.html#transaction / SMART "Batches and Transactions": each entry is checked', async () => {
    const token = await mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' });
    const bundle = (patient: string) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: condition(patient), request: { method: 'POST', url: 'Condition' } }],
    });
    const refused = await send('post', '/fhir', token, bundle('demo-patient-2'));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('Bundle.entry[0]');
    const ok = await send('post', '/fhir', token, bundle('demo-patient-1'));
    expect(ok.status).toBe(200);
  });
});

describe('patient compartment confinement', () => {
  test('ONC (g)(10) "patient restriction": another patient\'s Condition is not returned (404)', async () => {
    expect((await get('/fhir/Condition/demo-patient-2-cond-1', own)).status).toBe(404);
    expect((await get('/fhir/Patient/demo-patient-2', own)).status).toBe(404);
    expect((await get('/fhir/Condition/demo-patient-1-cond-1', own)).status).toBe(200);
  });

  test('search returns only the patient in context, with a matching total', async () => {
    const all = await get('/fhir/Condition?_count=100', own);
    expect(all.status).toBe(200);
    const found = ids(all.body as Bundle);
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(
      found.every((id) => id.startsWith('Condition/demo-patient-1-') || id.startsWith('Condition/')),
    ).toBe(true);
    for (const e of (all.body as Bundle).entry ?? []) {
      expect((e.resource as { subject?: { reference?: string } }).subject?.reference).toBe(
        'Patient/demo-patient-1',
      );
    }
    expect((all.body as Bundle).total).toBe(found.length);
    const other = await get('/fhir/Condition?patient=demo-patient-2', own);
    expect((other.body as Bundle).total).toBe(0);
    const patients = await get('/fhir/Patient', own);
    expect(ids(patients.body as Bundle)).toEqual(['Patient/demo-patient-1']);
  });

  test('_include and _revinclude only bring in resources the token may read', async () => {
    const inc = await get('/fhir/Condition?_include=Condition:subject', own);
    expect(inc.status).toBe(200);
    expect(ids(inc.body as Bundle).filter((i) => i.startsWith('Patient/'))).toEqual([
      'Patient/demo-patient-1',
    ]);
    const rev = await get('/fhir/Patient?_revinclude=Condition:subject', own);
    const conds = (rev.body as Bundle).entry?.filter((e) => e.resource?.resourceType === 'Condition') ?? [];
    expect(conds.length).toBeGreaterThan(0);
    for (const e of conds) expect(JSON.stringify(e.resource)).toContain('Patient/demo-patient-1');
  });

  test('compartment search of another patient finds nothing', async () => {
    const res = await get('/fhir/Patient/demo-patient-2/Condition', own);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry ?? []).toEqual([]);
  });

  test("Patient/$everything: another patient's is 404, the own one holds only its compartment", async () => {
    expect((await get('/fhir/Patient/demo-patient-2/$everything', own)).status).toBe(404);
    const mine = await get('/fhir/Patient/demo-patient-1/$everything', own);
    expect(mine.status).toBe(200);
    const text = JSON.stringify(mine.body);
    expect(text).toContain('demo-patient-1');
    expect(text).not.toContain('Patient/demo-patient-2');
  });

  test("history: type history holds only the patient's versions; another's instance history is 404", async () => {
    const hist = await get('/fhir/Condition/_history?_count=200', own);
    expect(hist.status).toBe(200);
    for (const e of (hist.body as Bundle).entry ?? [])
      expect(JSON.stringify(e.resource)).toContain('Patient/demo-patient-1');
    expect((await get('/fhir/Condition/demo-patient-2-cond-1/_history', own)).status).toBe(404);
    expect((await get('/fhir/Condition/demo-patient-2-cond-1/_history/1', own)).status).toBe(404);
  });

  test("writes: creating, updating, patching or deleting in another patient's compartment is 403", async () => {
    const token = await mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' });
    expect((await send('post', '/fhir/Condition', token, condition('demo-patient-2'))).status).toBe(403);
    const cur = (await get('/fhir/Condition/demo-patient-2-cond-2', await mintToken(t.smart, 'user/*.rs')))
      .body as Resource;
    expect(cur.resourceType).toBe('Condition');
    expect((await send('put', '/fhir/Condition/demo-patient-2-cond-2', token, cur)).status).toBe(403);
    expect((await send('delete', '/fhir/Condition/demo-patient-2-cond-2', token)).status).toBe(403);
    const moveOut = [{ op: 'replace', path: '/subject/reference', value: 'Patient/demo-patient-2' }];
    expect(
      (
        await send(
          'patch',
          '/fhir/Condition/demo-patient-1-cond-2',
          token,
          moveOut,
          'application/json-patch+json',
        )
      ).status,
    ).toBe(403);
    // Conditional criteria are confined to what the token may delete (no existence oracle): they match
    // none of the other patients' Conditions, so the delete deletes nothing and says so with 204.
    const reader = await mintToken(t.smart, 'user/*.rs');
    const others = async () =>
      (((await get('/fhir/Condition?code:text=Test', reader)).body as Bundle).entry ?? []).filter(
        (e) =>
          (e.resource as { subject?: { reference?: string } }).subject?.reference !==
          'Patient/demo-patient-1',
      ).length;
    const before = await others();
    expect(before).toBeGreaterThan(0);
    const conditional = await send('delete', '/fhir/Condition?code:text=Test', token);
    expect(conditional.status).toBe(204);
    expect(await others()).toBe(before);
    expect((await send('post', '/fhir/Condition', token, condition('demo-patient-1'))).status).toBe(201);
  });

  test('Bulk Data $export needs unconfined system access: a patient token is 403', async () => {
    const res = await get('/fhir/$export', own)
      .set('prefer', 'respond-async')
      .set('accept', 'application/fhir+json');
    expect(res.status).toBe(403);
  });
});

describe('granular scopes (SMART 2.2 "Finer-grained resource constraints using search parameters")', () => {
  const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
  beforeAll(async () => {
    const writer = await mintToken(t.smart, 'system/*.cruds', { clientId: 'demo-ehr', sub: 'demo-ehr' });
    for (const [id, cat] of [
      ['obs-lab', 'laboratory'],
      ['obs-vitals', 'vital-signs'],
    ]) {
      const obs = {
        resourceType: 'Observation',
        id,
        status: 'final',
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: cat }] },
        ],
        code: { text: cat },
        subject: { reference: 'Patient/demo-patient-1' },
      };
      expect((await send('put', `/fhir/Observation/${id}`, writer, obs)).status).toBeLessThan(300);
    }
  });

  test('STU2.2 kit "granular scopes": patient/Observation.rs?category=laboratory filters search results', async () => {
    const token = await mintToken(t.smart, `patient/Observation.rs?category=${LAB}`, {
      patient: 'demo-patient-1',
    });
    const res = await get('/fhir/Observation', token);
    expect(res.status).toBe(200);
    expect(ids(res.body as Bundle)).toEqual(['Observation/obs-lab']);
    expect((await get('/fhir/Observation/obs-vitals', token)).status).toBe(404);
    expect((await get('/fhir/Observation/obs-lab', token)).status).toBe(200);
  });

  test('two granular scopes are ORed; a plain scope beside them lifts the constraint', async () => {
    const both = await mintToken(
      t.smart,
      `patient/Observation.rs?category=${LAB} patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs`,
      { patient: 'demo-patient-1' },
    );
    expect(ids((await get('/fhir/Observation', both)).body as Bundle).sort()).toEqual([
      'Observation/obs-lab',
      'Observation/obs-vitals',
    ]);
    const widened = await mintToken(
      t.smart,
      `patient/Observation.rs?category=${LAB} patient/Observation.rs`,
      { patient: 'demo-patient-1' },
    );
    expect((await get('/fhir/Observation/obs-vitals', widened)).status).toBe(200);
  });

  test('a granular scope on Condition: only the category granted is visible', async () => {
    const token = await mintToken(t.smart, 'patient/Condition.rs?category=encounter-diagnosis', {
      patient: 'demo-patient-1',
    });
    const res = await get('/fhir/Condition', token);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).total).toBe(0);
  });
});
