/**
 * The dashboard's sign-in and protections over HTTP: redirects to sign-in, the login CSRF token, cookie
 * attributes, security headers, safe redirects after sign-in, role checks, tampered cookies, CSRF-checked
 * sign-out, and Chart.js served from the project.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createApp, type CcmApp } from '../../../server/app.js';
import { hashPassword, PracticeUserStore } from '../../../server/auth/practice-users.js';
import { openStore } from '../../../server/storage/open-store.js';
import type { Storage } from '../../../server/storage/repository.js';
import { TEST_BASE } from '../../helpers/test-app.js';

let store: Storage;
let built: CcmApp;

const users = new PracticeUserStore([
  { username: 'biller', displayName: 'Biller', roles: ['biller'], passwordHash: hashPassword('pw-biller') },
  {
    username: 'nurse',
    displayName: 'Nurse',
    roles: ['clinical-staff'],
    passwordHash: hashPassword('pw-nurse'),
  },
]);

/** The value of a cookie set by a response. */
function setCookie(res: request.Response, name: string): string | undefined {
  const all = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return all.find((c) => c.startsWith(`${name}=`));
}

/** Signs in and returns the session cookie pair (`name=value`). */
async function signIn(username: string, password: string, next = '/dashboard'): Promise<request.Response> {
  const form = await request(built.app).get('/dashboard/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] as string;
  const csrfCookie = (setCookie(form, 'ccm_dashboard_csrf') as string).split(';')[0];
  return request(built.app)
    .post('/dashboard/login')
    .set('cookie', csrfCookie)
    .type('form')
    .send({ _csrf: csrf, username, password, next });
}

beforeAll(async () => {
  store = await openStore({ dataDir: null });
  built = createApp({
    config: { baseUrl: TEST_BASE, bodyLimitBytes: 1 << 20 },
    store,
    practiceUsers: users,
    clock: () => new Date('2026-03-15T12:00:00Z'),
  });
});
afterAll(async () => store.close());

describe('dashboard sign-in', () => {
  test('pages need a session: redirect to the login form, which carries a CSRF token and security headers', async () => {
    const res = await request(built.app).get('/dashboard?month=2026-03');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/login?next=%2Fdashboard%3Fmonth%3D2026-03');
    const csv = await request(built.app).get('/dashboard/report.csv?month=2026-03');
    expect(csv.status).toBe(303);
    const form = await request(built.app).get('/dashboard/login');
    expect(form.status).toBe(200);
    expect(setCookie(form, 'ccm_dashboard_csrf')).toMatch(
      /; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=1800$/,
    );
    expect(form.headers['content-security-policy']).toContain("script-src 'self'");
    expect(form.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(form.headers['x-frame-options']).toBe('DENY');
    expect(form.headers['x-content-type-options']).toBe('nosniff');
    expect(form.headers['referrer-policy']).toBe('no-referrer');
  });

  test('a login without the CSRF token is refused; a wrong password is refused', async () => {
    const noToken = await request(built.app)
      .post('/dashboard/login')
      .type('form')
      .send({ username: 'biller', password: 'pw-biller' });
    expect(noToken.status).toBe(403);
    expect(setCookie(noToken, 'ccm_dashboard')).toBeUndefined();
    const wrong = await signIn('biller', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong user name or password');
  });

  test('a good login sets a signed httpOnly SameSite cookie and goes where it was asked, on this site only', async () => {
    const ok = await signIn('biller', 'pw-biller', '/dashboard?month=2026-02');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/dashboard?month=2026-02');
    expect(setCookie(ok, 'ccm_dashboard')).toMatch(
      /^ccm_dashboard=[\w-]+\.[\w-]+\.[\w-]+; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    for (const next of [
      'https://evil.example/',
      '//evil.example',
      '/dashboard/../fhir',
      'javascript:alert(1)',
    ]) {
      expect((await signIn('biller', 'pw-biller', next)).headers.location).toBe('/dashboard');
    }
  });

  test('the session opens the dashboard and the CSV; a tampered cookie does not; a user without a dashboard role is refused', async () => {
    const cookie = (setCookie(await signIn('biller', 'pw-biller'), 'ccm_dashboard') as string).split(';')[0];
    const page = await request(built.app).get('/dashboard?month=2026-03').set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('CCM month 2026-03');
    const csv = await request(built.app).get('/dashboard/report.csv?month=2026-03').set('cookie', cookie);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(
      (
        await request(built.app)
          .get('/dashboard')
          .set('cookie', `${cookie.slice(0, -2)}AA`)
      ).status,
    ).toBe(303);
    const nurse = (setCookie(await signIn('nurse', 'pw-nurse'), 'ccm_dashboard') as string).split(';')[0];
    expect((await request(built.app).get('/dashboard').set('cookie', nurse)).status).toBe(403);
  });

  test('sign-out needs the session CSRF token and clears the cookie', async () => {
    const cookie = (setCookie(await signIn('biller', 'pw-biller'), 'ccm_dashboard') as string).split(';')[0];
    const page = await request(built.app).get('/dashboard?month=2026-03').set('cookie', cookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] as string;
    expect(
      (
        await request(built.app)
          .post('/dashboard/logout')
          .set('cookie', cookie)
          .type('form')
          .send({ _csrf: 'forged' })
      ).status,
    ).toBe(403);
    const out = await request(built.app)
      .post('/dashboard/logout')
      .set('cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect(setCookie(out, 'ccm_dashboard')).toMatch(/^ccm_dashboard=; .*Max-Age=0/);
  });

  test('Chart.js and the dashboard script are served from the project, not a CDN', async () => {
    const chart = await request(built.app).get('/dashboard/static/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toMatch(/javascript/);
    expect(chart.text).toContain('Chart');
    expect((await request(built.app).get('/dashboard/static/dashboard.js')).status).toBe(200);
    expect((await request(built.app).get('/dashboard/static/nope.js')).status).toBe(404);
  });
});
