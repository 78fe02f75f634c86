/**
 * The clinician app's SMART launch (SMART App Launch 2.2 app-launch.html) against a listening server: EHR
 * and standalone launch, PKCE S256 and a 256-bit state, the session cookie and security headers, launch
 * failures as clear pages (unknown state, denied access, issuer not allowed, server down, expired session),
 * CSRF on forms, and two launch keys with two patients in one browser.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { clinicianApp } from '../../smart-app/app.js';
import { Browser } from '../helpers/smart-browser.js';
import { getBackendToken } from '../helpers/smart-token.js';
import { csrfOf, ehrLaunch, fhirGet, launchBase, listen, type Listening } from './support.js';

let s: Listening;
beforeAll(async () => {
  s = await listen();
});
afterAll(async () => s?.close());

/** No stack trace, no framework error text. */
function expectCleanPage(html: string): void {
  expect(html).toContain('<h1>');
  expect(html).not.toMatch(/\n\s+at \S+ \(|Error:|node_modules/);
}

describe('EHR launch', () => {
  test('lands on the conditions screen of the patient in context, with PKCE S256 and a 256-bit state', async () => {
    const b = new Browser();
    const page = await ehrLaunch(b, s.origin, 'demo-patient-1');
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/app\/p\/[A-Za-z0-9_-]{22}\/conditions$/);
    expect(page.text).toContain('Maria Alvarez');
    expect(page.text).toContain('Signed in as Dr. Adaeze Okonkwo');
    // The simulator shows its own banner (need_patient_banner: false): the app shows only a context line.
    expect(page.text).not.toContain('class="patient-banner"');
    expect(page.text).toContain('Patient in context: <strong>Maria Alvarez</strong>');
    const authorize = new URL(b.visited.find((u) => u.includes('/auth/authorize')) as string);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('client_id')).toBe('ccm-app');
    expect(authorize.searchParams.get('aud')).toBe(s.base);
    expect(authorize.searchParams.get('scope')).toMatch(/(^| )launch( |$)/);
    const state = authorize.searchParams.get('state') as string;
    expect(Buffer.from(state, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(page.text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  test('the session cookie is httpOnly and SameSite, and pages carry the security headers', async () => {
    const b = new Browser();
    await b.submit(await b.go(`${s.origin}/ehr`), '/ehr/login', {
      username: 'okonkwo',
      password: 'okonkwo-test-pass',
    });
    const chart = await b.go(`${s.origin}/ehr?patient=demo-patient-1`);
    const launchUrl = new URL(s.origin);
    const csrf = /name="csrf" value="([^"]+)"/.exec(chart.text)?.[1] as string;
    const cookie = (b as unknown as { jar: Map<string, Map<string, string>> }).jar.get(launchUrl.hostname);
    const ehr = await fetch(`${s.origin}/ehr/launch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...(cookie ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ csrf, patient: 'demo-patient-1', client_id: 'ccm-app', encounter: '' }),
      redirect: 'manual',
    });
    const res = await fetch(ehr.headers.get('location') as string, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('ccm_app_sid=')) as string;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/app/);
    const csp = res.headers.get('content-security-policy') as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  test('standalone launch asks launch/patient and opens the patient picked at the server', async () => {
    const b = new Browser();
    const list = await b.go(`${s.origin}/app/launch`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(s.base);
    await b.submit(await b.go(`${s.origin}/ehr`), '/ehr/login', {
      username: 'okonkwo',
      password: 'okonkwo-test-pass',
    });
    const consent = await b.go(`${s.origin}/app/launch?iss=${encodeURIComponent(s.base)}`);
    const authorize = new URL(b.visited.find((u) => u.includes('/auth/authorize')) as string);
    expect(authorize.searchParams.get('scope')).toContain('launch/patient');
    expect(authorize.searchParams.get('launch')).toBeNull();
    const page = await b.submit(consent, '/consent', { decision: 'approve', patient: 'demo-patient-2' });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/class="patient-banner"[\s\S]*James Carter[\s\S]*Born 19/);
  });
});

describe('launch failures are clear pages with a status', () => {
  test('an unknown state is refused with 400', async () => {
    const res = await request(s.t.app).get('/app/callback?code=abc&state=not-a-state-we-issued');
    expect(res.status).toBe(400);
    expect(res.text).toContain('This sign-in link is not valid');
    expectCleanPage(res.text);
  });

  test('a denied authorization (error=access_denied) shows 403', async () => {
    const page = await ehrLaunch(new Browser(), s.origin, 'demo-patient-1', { decision: 'deny' });
    expect(page.status).toBe(403);
    expect(page.text).toContain('Access was not allowed');
    expectCleanPage(page.text);
  });

  test('an issuer that is not configured is refused before any redirect', async () => {
    const res = await request(s.t.app)
      .get('/app/launch?iss=https%3A%2F%2Fevil.example%2Ffhir&launch=x')
      .redirects(0);
    expect(res.status).toBe(403);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('This EHR is not allowed');
    expectCleanPage(res.text);
  });

  test('an expired session or unknown launch key shows 401', async () => {
    const res = await request(s.t.app).get('/app/p/AAAAAAAAAAAAAAAAAAAAAA/conditions');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Your session has ended');
    expectCleanPage(res.text);
  });

  test('an EHR whose server is down shows 502', async () => {
    const down = 'http://127.0.0.1:9/fhir';
    const app = express().use(
      '/app',
      clinicianApp({
        origin: 'http://127.0.0.1:8080',
        issuers: [{ iss: down, clientId: 'x', clientSecret: 'y', scope: 'launch openid', name: 'down' }],
        timeZone: 'America/New_York',
      }),
    );
    const res = await request(app)
      .get(`/app/launch?iss=${encodeURIComponent(down)}&launch=abc`)
      .redirects(0);
    expect(res.status).toBe(502);
    expect(res.text).toContain('The EHR could not be reached');
    expectCleanPage(res.text);
  });
});

describe('CSRF and launch keys', () => {
  test('a form without the launch CSRF token is refused and writes nothing', async () => {
    const b = new Browser();
    const page = await ehrLaunch(b, s.origin, 'demo-patient-1');
    const base = launchBase(page.url);
    const refused = await b.go(`${base}/conditions/demo-patient-1-cond-2/attest`, {
      form: { expectedDuration: 'yes', significantRisk: 'yes' },
    });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('The form has expired');
    const wrong = await b.go(`${base}/conditions/demo-patient-1-cond-2/attest`, {
      form: { _csrf: 'x'.repeat(43), expectedDuration: 'yes', significantRisk: 'yes' },
    });
    expect(wrong.status).toBe(403);
    const token = await getBackendToken(s.base);
    const c = await fhirGet<{ extension?: unknown[] }>(s.base, token, 'Condition/demo-patient-1-cond-2');
    expect(c.extension).toBeUndefined();
  });

  test('two launches in one browser keep their patients, tokens and timers apart', async () => {
    const b = new Browser();
    const one = await ehrLaunch(b, s.origin, 'demo-patient-1');
    const two = await ehrLaunch(b, s.origin, 'demo-patient-3');
    const [base1, base2] = [launchBase(one.url), launchBase(two.url)];
    expect(base1).not.toBe(base2);
    const csrf1 = csrfOf((await b.go(`${base1}/time`)).text);
    await b.go(`${base1}/time/start`, {
      form: { _csrf: csrf1, activity: 'phone-call', role: 'clinical-staff' },
    });
    const time1 = await b.go(`${base1}/time`);
    const time2 = await b.go(`${base2}/time`);
    expect(time1.text).toContain('Maria Alvarez');
    expect(time1.text).toContain('Running since');
    expect(time2.text).toContain('Dorothy Nguyen');
    expect(time2.text).not.toContain('Maria Alvarez');
    expect(time2.text).not.toContain('Running since');
    const crossed = await b.go(`${base2}/time/start`, { form: { _csrf: csrf1, activity: 'phone-call' } });
    expect(crossed.status).toBe(403);
  });
});
