/**
 * Acceptance: a full EHR launch through /ehr (SMART App Launch 2.2 app-launch.html "EHR launch") with a
 * real SMART client, fhirclient's Node adapter, serving a confidential app on its own port, driven by a
 * browser-like client (cookies, redirects, forms) over real HTTP: sign in to the demo EHR, open a
 * patient's chart and an encounter, launch the app; the app discovers the server, gets a code through
 * the consent page, exchanges it (client_secret_basic, PKCE S256) and reads the patient in context.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import smart from 'fhirclient';
import { secretHash } from '../../server/auth/clients.js';
import { Browser, optionValues } from '../helpers/smart-browser.js';
import { makeSmartTestApp, TEST_USERS, type SmartTestApp } from '../helpers/smart-app.js';

const SECRET = 'fhirclient-app-secret-for-the-test';
let t: SmartTestApp;
let fhirServer: Server;
let appServer: Server;
let origin: string;
let appOrigin: string;

/** fhirclient storage for one test user (the Node adapter's server-side session). */
function memoryStorage() {
  const data = new Map<string, unknown>();
  return {
    get: async (k: string) => data.get(k),
    set: async (k: string, v: unknown) => {
      data.set(k, v);
      return v;
    },
    unset: async (k: string) => data.delete(k),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** The SMART app: /launch starts the authorization, /callback completes it and reads the patient. */
function smartApp(storage: ReturnType<typeof memoryStorage>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', appOrigin).pathname;
    const run = async () => {
      if (path === '/launch') {
        await smart(req, res, storage).authorize({
          clientId: 'fhirclient-app',
          clientSecret: SECRET,
          scope: 'launch openid fhirUser patient/*.rs',
          redirectUri: `${appOrigin}/callback`,
        });
        return;
      }
      const client = await smart(req, res, storage).ready();
      const patient = await client.patient.read();
      const conditions = await client.request(`Condition?patient=${client.patient.id}`);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          patient,
          conditions,
          encounter: client.encounter.id,
          user: client.user.fhirUser,
          tokenResponse: client.state.tokenResponse,
        }),
      );
    };
    run().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(`app error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
}

beforeAll(async () => {
  appServer = createServer(smartApp(memoryStorage()));
  appOrigin = `http://127.0.0.1:${await listen(appServer)}`;
  fhirServer = createServer();
  origin = `http://127.0.0.1:${await listen(fhirServer)}`;
  t = await makeSmartTestApp({
    baseUrl: `${origin}/fhir`,
    extraClients: [
      {
        client_id: 'fhirclient-app',
        client_name: 'fhirclient test app',
        token_endpoint_auth_methods: ['client_secret_basic'],
        client_secret_sha256: secretHash(SECRET),
        redirect_uris: [`${appOrigin}/callback`],
        launch_uri: `${appOrigin}/launch`,
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'launch openid fhirUser patient/*.rs',
      },
    ],
  });
  fhirServer.on('request', t.app);
});
afterAll(async () => {
  await new Promise((r) => appServer.close(r));
  await new Promise((r) => fhirServer.close(r));
  await t.close();
});

describe('EHR launch through /ehr with fhirclient', () => {
  test('SMART 2.2 app-launch.html "EHR launch" / ONC (g)(10) "EHR Practitioner App": the app reaches the patient in context', async () => {
    const browser = new Browser();
    const login = await browser.go(`${origin}/ehr`);
    expect(login.text).toContain('name="password"');
    const home = await browser.submit(login, '/ehr/login', {
      username: TEST_USERS[0].username,
      password: TEST_USERS[0].password,
    });
    expect(home.text).toContain('Signed in as');
    const chart = await browser.go(`${origin}/ehr?patient=demo-patient-3`);
    const [encounter] = optionValues(chart.text, 'encounter');
    expect(encounter).toBe('demo-patient-3-visit-1');
    expect(optionValues(chart.text, 'client_id')).toContain('fhirclient-app');
    const consent = await browser.submit(chart, '/ehr/launch', { encounter, client_id: 'fhirclient-app' });
    expect(consent.url).toMatch(/\/auth\/interaction\//);
    expect(consent.text).toContain('fhirclient test app');
    const done = await browser.submit(consent, '/consent', { decision: 'approve' });
    expect(done.status).toBe(200);
    const out = JSON.parse(done.text) as {
      patient: { id: string; resourceType: string };
      conditions: { total: number; entry: Array<{ resource: { subject: { reference: string } } }> };
      encounter: string;
      user: string;
      tokenResponse: Record<string, unknown>;
    };
    expect(out.patient).toMatchObject({ resourceType: 'Patient', id: 'demo-patient-3' });
    expect(out.encounter).toBe('demo-patient-3-visit-1');
    expect(out.user).toBe('Practitioner/demo-pr-1');
    expect(out.conditions.total).toBe(3);
    expect(out.tokenResponse).toMatchObject({
      need_patient_banner: false,
      smart_style_url: `${origin}/ehr/smart-style.json`,
    });
    const hops = browser.visited.map((u) => new URL(u).pathname);
    expect(hops).toEqual(expect.arrayContaining(['/ehr/launch', '/launch', '/auth/authorize', '/callback']));
    const authorize = new URL(browser.visited.find((u) => u.includes('/auth/authorize')) as string);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('aud')).toBe(`${origin}/fhir`);
  });
});
