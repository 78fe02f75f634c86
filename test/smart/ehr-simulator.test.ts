/** The /ehr launch simulator (SMART App Launch 2.2 app-launch.html "EHR launch": iss + launch). */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readLaunch } from '../../server/auth/grants.js';
import { makeSmartTestApp, request, TEST_USERS, type SmartTestApp } from '../helpers/smart-app.js';
import { hiddenField } from '../helpers/smart-flow.js';
import { TEST_BASE } from '../helpers/test-app.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
});
afterAll(() => t.close());

async function signedIn() {
  const agent = request.agent(t.app);
  const page = await agent.get('/ehr');
  const res = await agent
    .post('/ehr/login')
    .type('form')
    .send({
      _csrf: hiddenField(page.text, '_csrf'),
      username: TEST_USERS[1].username,
      password: TEST_USERS[1].password,
    });
  expect(res.status).toBe(303);
  return agent;
}

describe('/ehr simulator', () => {
  test('sign-in is required, and a wrong password is refused', async () => {
    const page = await request(t.app).get('/ehr');
    expect(page.text).toContain('name="password"');
    const agent = request.agent(t.app);
    const form = await agent.get('/ehr');
    const bad = await agent
      .post('/ehr/login')
      .type('form')
      .send({ _csrf: hiddenField(form.text, '_csrf'), username: 'lindqvist', password: 'nope' });
    expect(bad.status).toBe(401);
  });

  test('app-launch.html "EHR launch": launching sends the browser to the app with iss and a launch bound to it', async () => {
    const agent = await signedIn();
    const chart = await agent.get('/ehr?patient=demo-patient-5');
    expect(chart.text).toContain('demo-patient-5-visit-1');
    const res = await agent
      .post('/ehr/launch')
      .type('form')
      .send({
        csrf: hiddenField(chart.text, 'csrf'),
        patient: 'demo-patient-5',
        encounter: 'demo-patient-5-visit-1',
        client_id: 'ccm-app',
      });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe('http://127.0.0.1:8080/app/launch');
    expect(to.searchParams.get('iss')).toBe(TEST_BASE);
    const ctx = await readLaunch(t.smart, to.searchParams.get('launch') as string);
    expect(ctx).toMatchObject({
      clientId: 'ccm-app',
      username: 'lindqvist',
      patient: 'demo-patient-5',
      encounter: 'demo-patient-5-visit-1',
      needPatientBanner: false,
    });
  });

  test("a launch without the page csrf value, or with another patient's encounter, is refused", async () => {
    const agent = await signedIn();
    const noCsrf = await agent
      .post('/ehr/launch')
      .type('form')
      .send({ patient: 'demo-patient-5', client_id: 'ccm-app' });
    expect(noCsrf.status).toBe(403);
    const chart = await agent.get('/ehr?patient=demo-patient-5');
    const wrong = await agent
      .post('/ehr/launch')
      .type('form')
      .send({
        csrf: hiddenField(chart.text, 'csrf'),
        patient: 'demo-patient-5',
        encounter: 'demo-patient-1-visit-1',
        client_id: 'ccm-app',
      });
    expect(wrong.status).toBe(400);
  });

  test('scopes-and-launch-context.html "SMART App Styling": the smart_style_url document', async () => {
    const res = await request(t.app).get('/ehr/smart-style.json');
    expect(res.status).toBe(200);
    expect(res.body.color_background).toMatch(/^#/);
  });
});
