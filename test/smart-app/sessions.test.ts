/** Server-side sessions of the clinician app: idle expiry, one-time pending authorizations. */
import { describe, expect, test } from '@jest/globals';
import express, { type Request, type Response } from 'express';
import request from 'supertest';
import { framedByOtherOrigins } from '../../smart-app/app.js';
import { COOKIE, SessionStore } from '../../smart-app/sessions.js';

function fakeRes(): Response & { cookies: string[] } {
  const cookies: string[] = [];
  return {
    cookies,
    cookie: (name: string, value: string) => cookies.push(`${name}=${value}`),
  } as unknown as Response & {
    cookies: string[];
  };
}
const reqWith = (cookie?: string) => ({ headers: cookie ? { cookie } : {} }) as Request;

describe('SessionStore', () => {
  test('a session expires after the idle time; use keeps it alive', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 1000, now: () => now, secure: false });
    const res = fakeRes();
    const s = store.ensure(reqWith(), res);
    const cookie = res.cookies[0];
    expect(cookie).toBe(`${COOKIE}=${s.id}`);
    now = 900;
    expect(store.find(reqWith(cookie))?.id).toBe(s.id);
    now = 1800;
    expect(store.find(reqWith(cookie))?.id).toBe(s.id);
    now = 2801;
    expect(store.find(reqWith(cookie))).toBeUndefined();
    expect(store.find(reqWith(`${COOKIE}=forged`))).toBeUndefined();
  });

  test('a pending authorization is taken once, and not after ten minutes', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 3600000, now: () => now, secure: false });
    const s = store.ensure(reqWith(), fakeRes());
    const pending = { key: 'k', state: { serverUrl: 'https://ehr.example.org/fhir' }, createdAt: 0 };
    store.addPending(s, 'state-1', pending);
    expect(store.takePending(s, 'state-1')).toBe(pending);
    expect(store.takePending(s, 'state-1')).toBeUndefined();
    store.addPending(s, 'state-2', pending);
    now = 10 * 60 * 1000 + 1;
    expect(store.takePending(s, 'state-2')).toBeUndefined();
  });

  test('the cookie is SameSite=Lax, or None+Secure+Partitioned when another origin frames the app over HTTPS', async () => {
    const cookieOf = async (opts: { secure: boolean; crossSiteFrame: boolean }) => {
      const store = new SessionStore({ idleMs: 60000, now: () => 0, ...opts });
      const app = express();
      app.get('/app/x', (req, res) => {
        store.ensure(req, res);
        res.end();
      });
      return (await request(app).get('/app/x')).headers['set-cookie']?.[0] ?? '';
    };
    const lax = await cookieOf({ secure: true, crossSiteFrame: false });
    expect(lax).toMatch(/HttpOnly/);
    expect(lax).toMatch(/SameSite=Lax/);
    const framed = await cookieOf({ secure: true, crossSiteFrame: true });
    expect(framed).toMatch(/SameSite=None/);
    expect(framed).toMatch(/Secure/);
    expect(framed).toMatch(/Partitioned/);
    // Without HTTPS a SameSite=None cookie would be dropped by browsers: stay Lax.
    expect(await cookieOf({ secure: false, crossSiteFrame: true })).toMatch(/SameSite=Lax/);
    expect(framedByOtherOrigins("'self'", 'https://app.example')).toBe(false);
    expect(framedByOtherOrigins("'self' https://app.example", 'https://app.example')).toBe(false);
    expect(framedByOtherOrigins("'self' https://ehr.example", 'https://app.example')).toBe(true);
  });
});
