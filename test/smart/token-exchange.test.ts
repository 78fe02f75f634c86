/**
 * The RFC 8693 token exchange of a trusted EHR's id_token (#18, acceptance 2), attacked: process A (a
 * listening ccm-fhir playing the EHR) signs the id_tokens and answers the patient check; B (ccm-fhir)
 * exchanges them. Every refusal is an RFC 6749 / RFC 8693 JSON error; the same EHR patient is always the
 * same B Patient, also when exchanged concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bundle, Patient, Practitioner } from 'fhir/r4.js';
import { createServer } from 'node:net';
import { exportJWK } from 'jose';
import { generateSigningKeys } from '../../server/auth/keys.js';
import { ehrIdentifier, linkUrl } from '../../server/ccm/ehr-link/identity.js';
import {
  ehrAccessToken,
  ehrIdToken,
  exchange,
  exchangeBody,
  issuerFor,
  startCcm,
  startEhr,
  type Ehr,
} from '../helpers/ehr-pair.js';
import type { ClientRegistration } from '../../server/auth/clients.js';
import { clientKey, type ClientKey } from '../helpers/smart-assertion.js';
import { mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';

let ehr: Ehr;
let ccm: SmartTestApp;
let closedBase: string;
let backendKey: ClientKey;

/** A 127.0.0.1 base URL nobody listens on. */
async function closedPort(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return `http://127.0.0.1:${port}/fhir`;
}

beforeAll(async () => {
  ehr = await startEhr();
  closedBase = await closedPort();
  const publicJwk = ehr.keys.publicJwk;
  backendKey = await clientKey('ES384');
  const backendClient: ClientRegistration = {
    client_id: 'backend-only',
    token_endpoint_auth_methods: ['private_key_jwt'],
    grant_types: ['client_credentials'],
    scope: 'system/*.rs patient/*.cruds',
    jwks: { keys: [backendKey.publicJwk] },
  };
  ccm = await startCcm(
    [
      issuerFor(ehr),
      // An EHR that signs with A's key but cannot be reached (for the temporarily_unavailable case).
      {
        name: 'down',
        iss: closedBase,
        jwks: { keys: [publicJwk] },
        idTokenAudience: 'ccm-app-at-ehr',
        writeBack: false,
      },
    ],
    [backendClient],
  );
});

afterAll(async () => {
  await ccm?.close();
  await ehr?.close();
});

/** A valid exchange for A's `patient` by demo-pr-1. */
async function validInput(patient = 'demo-patient-1') {
  return {
    idToken: await ehrIdToken(ehr),
    actorToken: await ehrAccessToken(ehr.app.smart, patient),
    ehrPatient: patient,
  };
}

/** B's Patients linked to A's `patient` (searched with a system token). */
async function linked(patient: string): Promise<Patient[]> {
  const token = await mintToken(ccm.smart, 'system/Patient.rs', { clientId: 'demo-ehr', sub: 'demo-ehr' });
  const res = await request(ccm.app)
    .get(`/fhir/${linkUrl(ehr.base, 'Patient', patient)}`)
    .set('authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Patient);
}

function expectError(
  res: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
  error: string,
  status = 400,
) {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  expect(typeof res.body.error_description).toBe('string');
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('token exchange: the happy path', () => {
  it('links the EHR patient and user and issues a token confined to the linked patient', async () => {
    const res = await exchange(ccm, await validInput());
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body as Record<string, string | number>;
    expect(body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      ehr_patient: 'demo-patient-1',
      iss: ehr.base,
      scope: 'patient/*.cruds user/Practitioner.rs',
    });
    expect(body.expires_in).toBeLessThanOrEqual(3600);
    expect(body.patient).not.toBe('demo-patient-1');
    const patient = await request(ccm.app)
      .get(`/fhir/Patient/${body.patient}`)
      .set('authorization', `Bearer ${body.access_token}`);
    expect(patient.status).toBe(200);
    expect((patient.body as Patient).identifier?.[0]).toEqual(
      ehrIdentifier(ehr.base, 'Patient', 'demo-patient-1'),
    );
    expect((patient.body as Patient).meta?.source).toMatch(new RegExp(`^${ehr.base}/Patient/demo-patient-1`));
    const fhirUser = String(body.fhirUser);
    expect(fhirUser).toMatch(/^Practitioner\//);
    const pr = await request(ccm.app)
      .get(`/fhir/${fhirUser}`)
      .set('authorization', `Bearer ${body.access_token}`);
    expect(pr.status).toBe(200);
    expect((pr.body as Practitioner).identifier?.[0]).toEqual(
      ehrIdentifier(ehr.base, 'Practitioner', 'demo-pr-1'),
    );
    expect((pr.body as Practitioner).name?.length).toBeGreaterThan(0);
  });

  it('maps the same EHR patient to the same Patient, without a new version when nothing changed', async () => {
    const first = await exchange(ccm, await validInput('demo-patient-3'));
    const second = await exchange(ccm, await validInput('demo-patient-3'));
    expect(first.status).toBe(200);
    expect(second.body.patient).toBe(first.body.patient);
    expect(second.body.fhirUser).toBe(first.body.fhirUser);
    const [p] = await linked('demo-patient-3');
    expect(p?.meta?.versionId).toBe('1');
  });

  it('makes one Patient when the same EHR patient is exchanged concurrently', async () => {
    const inputs = await Promise.all(Array.from({ length: 6 }, () => validInput('demo-patient-4')));
    const results = await Promise.all(inputs.map((i) => exchange(ccm, i)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(results.map((r) => r.body.patient)).size).toBe(1);
    expect(await linked('demo-patient-4')).toHaveLength(1);
  });

  it('narrows to the requested scopes and refuses anything beyond the patient', async () => {
    const narrow = await exchange(ccm, { ...(await validInput()), scope: 'patient/Condition.rs' });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('patient/Condition.rs');
    const wide = await exchange(ccm, {
      ...(await validInput()),
      scope: 'user/*.cruds system/*.cruds user/Provenance.c',
    });
    expectError(wide, 'invalid_scope');
    const mixed = await exchange(ccm, {
      ...(await validInput()),
      scope: 'patient/*.rs user/Provenance.c user/Patient.rs',
    });
    expect(mixed.body.scope).toBe('patient/*.rs');
  });

  it('announces the grant type in the SMART configuration', async () => {
    const res = await request(ccm.app).get('/fhir/.well-known/smart-configuration');
    expect(res.body.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:token-exchange');
  });
});

describe('token exchange: refused id_tokens', () => {
  it('refuses an issuer that is not trusted', async () => {
    const idToken = await ehrIdToken(ehr, { claims: { iss: 'http://127.0.0.1:9/fhir' } });
    expectError(await exchange(ccm, { ...(await validInput()), idToken }), 'invalid_grant');
  });

  it("refuses an id_token signed by another key, also under the EHR's kid", async () => {
    const other = await generateSigningKeys();
    const foreign = await ehrIdToken(ehr, { key: other });
    expectError(await exchange(ccm, { ...(await validInput()), idToken: foreign }), 'invalid_grant');
    const forged = await ehrIdToken(ehr, { key: { ...other, kid: ehr.keys.kid } });
    const res = await exchange(ccm, { ...(await validInput()), idToken: forged });
    expectError(res, 'invalid_grant');
    expect(res.body.error_description).toMatch(/signature/);
  });

  it('refuses an unsigned or HMAC id_token', async () => {
    const [, payload] = (await ehrIdToken(ehr)).split('.');
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    const none = `${header({ alg: 'none', kid: ehr.keys.kid })}.${payload}.`;
    expectError(await exchange(ccm, { ...(await validInput()), idToken: none }), 'invalid_grant');
    const hmac = `${header({ alg: 'HS256', kid: ehr.keys.kid })}.${payload}.c2lnbmF0dXJl`;
    expectError(await exchange(ccm, { ...(await validInput()), idToken: hmac }), 'invalid_grant');
  });

  it('refuses an id_token for another audience', async () => {
    const idToken = await ehrIdToken(ehr, { claims: { aud: 'some-other-app' } });
    const res = await exchange(ccm, { ...(await validInput()), idToken });
    expectError(res, 'invalid_grant');
    expect(res.body.error_description).toMatch(/aud/);
  });

  it('refuses an expired id_token and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await ehrIdToken(ehr, { claims: { iat: now - 900, exp: now - 300 } });
    const res = await exchange(ccm, { ...(await validInput()), idToken: expired });
    expectError(res, 'invalid_grant');
    expect(res.body.error_description).toMatch(/expired/);
    const future = await ehrIdToken(ehr, { claims: { iat: now + 600, exp: now + 900 } });
    expectError(await exchange(ccm, { ...(await validInput()), idToken: future }), 'invalid_grant');
  });

  it('refuses an id_token whose fhirUser is missing, a Patient, or at another server', async () => {
    for (const fhirUser of [undefined, `${'http://127.0.0.1:9/fhir'}/Practitioner/demo-pr-1`]) {
      const idToken = await ehrIdToken(ehr, { claims: { fhirUser } });
      expectError(await exchange(ccm, { ...(await validInput()), idToken }), 'invalid_grant');
    }
    const patientUser = await ehrIdToken(ehr, { fhirUser: 'Patient/demo-patient-1' });
    expectError(await exchange(ccm, { ...(await validInput()), idToken: patientUser }), 'invalid_grant');
  });

  it('refuses a subject_token that is not a JWT', async () => {
    expectError(await exchange(ccm, { ...(await validInput()), idToken: 'not-a-jwt' }), 'invalid_grant');
  });
});

describe('token exchange: the EHR confirms the patient', () => {
  it('refuses when the actor token cannot read that patient at the EHR', async () => {
    const input = await validInput('demo-patient-1');
    const otherPatientsToken = await ehrAccessToken(ehr.app.smart, 'demo-patient-2');
    const res = await exchange(ccm, { ...input, actorToken: otherPatientsToken });
    expectError(res, 'invalid_grant');
    expect(res.body.error_description).toMatch(/EHR did not confirm/);
    expect(await linked('demo-patient-5')).toHaveLength(0);
  });

  it('refuses a forged actor token and an EHR patient that does not exist', async () => {
    const input = await validInput('demo-patient-5');
    expectError(await exchange(ccm, { ...input, actorToken: 'forged' }), 'invalid_grant');
    const missing = await ehrAccessToken(ehr.app.smart, 'no-such-patient');
    expectError(
      await exchange(ccm, { ...input, actorToken: missing, ehrPatient: 'no-such-patient' }),
      'invalid_grant',
    );
    expect(await linked('demo-patient-5')).toHaveLength(0);
  });

  it('answers temporarily_unavailable when the EHR cannot be reached', async () => {
    const idToken = await ehrIdToken(ehr, {
      claims: { iss: closedBase, fhirUser: `${closedBase}/Practitioner/demo-pr-1` },
    });
    const res = await exchange(ccm, { ...(await validInput()), idToken });
    expectError(res, 'temporarily_unavailable', 503);
  });

  it('never follows an ehr_patient outside the FHIR id grammar', async () => {
    for (const ehrPatient of ['../auth/jwks', 'a/b', 'x?y=1', 'http://evil']) {
      const res = await exchange(ccm, { ...(await validInput()), ehrPatient });
      expectError(res, 'invalid_request');
    }
  });
});

describe('token exchange: client authentication and parameters', () => {
  it('refuses a client assertion signed with another key', async () => {
    const stranger = await clientKey('ES384');
    const jwk = {
      ...(await exportJWK(stranger.privateKey)),
      kid: ccm.smart.ehrLink?.appClient.privateJwk.kid,
      alg: 'ES384',
    };
    const res = await exchange(ccm, await validInput(), { key: jwk });
    expectError(res, 'invalid_client');
  });

  it('refuses clients that authenticate otherwise or are not registered for the grant', async () => {
    const input = await validInput();
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: input.idToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      actor_token: input.actorToken,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      ehr_patient: input.ehrPatient,
    });
    const basic = await request(ccm.app)
      .post('/auth/token')
      .auth('test-confidential', 'test-confidential-secret-0123456789')
      .type('form')
      .send(form.toString());
    expectError(basic, 'unauthorized_client');
    const anonymous = await request(ccm.app).post('/auth/token').type('form').send(form.toString());
    expectError(anonymous, 'invalid_client');
    const privateJwk = { ...(await exportJWK(backendKey.privateKey)), kid: backendKey.kid, alg: 'ES384' };
    const notForThisGrant = await exchange(ccm, input, { clientId: 'backend-only', key: privateJwk });
    expectError(notForThisGrant, 'unauthorized_client');
    expect(notForThisGrant.body.error_description).toMatch(/may not use the token exchange/);
  });

  it('refuses missing or wrong token types', async () => {
    const input = await validInput();
    const good = new URLSearchParams(await exchangeBody(ccm, input));
    for (const [name, value] of [
      ['subject_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
      ['actor_token_type', 'urn:ietf:params:oauth:token-type:id_token'],
      ['actor_token', ''],
      ['audience', 'http://127.0.0.1:9/fhir'],
    ] as const) {
      const form = new URLSearchParams(good);
      form.set(name, value);
      const fresh = new URLSearchParams(await exchangeBody(ccm, input));
      form.set('client_assertion', fresh.get('client_assertion') as string);
      const res = await request(ccm.app).post('/auth/token').type('form').send(form.toString());
      expectError(res, name === 'audience' ? 'invalid_target' : 'invalid_request');
    }
  });

  it('is not offered by a server that trusts no EHR', async () => {
    const plain = await startCcm([]);
    try {
      const token = await mintToken(plain.smart, 'patient/*.rs', { patient: 'demo-patient-1' });
      const res = await request(plain.app).post('/auth/token').type('form').send({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        client_id: 'test-public',
        subject_token: token,
      });
      expectError(res, 'unsupported_grant_type');
    } finally {
      await plain.close();
    }
  });
});

describe('token exchange: what B lists', () => {
  it('lists exactly one Patient per exchanged EHR patient', async () => {
    const ccmToken = await mintToken(ccm.smart, 'system/Patient.rs', {
      clientId: 'demo-ehr',
      sub: 'demo-ehr',
    });
    const system = encodeURIComponent(`${ehr.base}/Patient|`);
    const res = await request(ccm.app)
      .get(`/fhir/Patient?identifier=${system}&_count=100`)
      .set('authorization', `Bearer ${ccmToken}`);
    expect(res.status).toBe(200);
    const values = ((res.body as Bundle).entry ?? []).map(
      (e) => (e.resource as Patient).identifier?.find((i) => i.system === `${ehr.base}/Patient`)?.value,
    );
    expect(values.sort()).toEqual([...new Set(values)].sort());
  });
});
