/**
 * The practice user store (scrypt hashes, constant-time checks) and the stateless session cookie (JWT HS256
 * made with jose, httpOnly, SameSite=Strict; HMAC-derived CSRF tokens; double-submit login token).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword, PracticeUserStore, verifyPassword } from '../../../server/auth/practice-users.js';
import { parseCookies, resolveSessionSecret, SessionCookies } from '../../../server/auth/session-cookie.js';

describe('practice users', () => {
  test('scrypt hashes verify only the right password', async () => {
    const h = hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsE', h)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(hashPassword('same')).not.toBe(hashPassword('same'));
  });

  test('the demo users file signs in the demo biller and analyst', async () => {
    const users = PracticeUserStore.fromFile();
    expect((await users.authenticate('biller', 'ccm-demo-biller'))?.roles).toEqual(['biller']);
    expect((await users.authenticate('Analyst', 'ccm-demo-analyst'))?.username).toBe('analyst');
    expect(await users.authenticate('biller', 'ccm-demo-analyst')).toBeNull();
    expect(await users.authenticate('nobody', 'ccm-demo-biller')).toBeNull();
  });
});

describe('session cookies', () => {
  const key = new Uint8Array(32).fill(7);
  const cookies = new SessionCookies(key, { cookieName: 's', path: '/dashboard' });
  const user = { username: 'biller', displayName: 'Demo Biller', roles: ['biller'] };

  test('a signed, httpOnly, SameSite=Strict cookie that reads back; tampering is rejected', async () => {
    const { setCookie, claims } = await cookies.issue(user);
    expect(setCookie).toMatch(
      /^s=[\w-]+\.[\w-]+\.[\w-]+; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    const header = setCookie.split(';')[0];
    expect(await cookies.read(header)).toEqual(claims);
    expect(await cookies.read(`${header}x`)).toBeNull();
    expect(await new SessionCookies(new Uint8Array(32).fill(8), { cookieName: 's' }).read(header)).toBeNull();
    expect(await cookies.read(undefined)).toBeNull();
  });

  test('CSRF tokens are bound to the session; the login token to its cookie', async () => {
    const a = (await cookies.issue(user)).claims;
    const b = (await cookies.issue(user)).claims;
    expect(cookies.checkCsrf(a, cookies.csrfToken(a))).toBe(true);
    expect(cookies.checkCsrf(a, cookies.csrfToken(b))).toBe(false);
    expect(cookies.checkCsrf(a, undefined)).toBe(false);
    const login = cookies.loginCsrf();
    const header = login.setCookie.split(';')[0];
    expect(cookies.checkLoginCsrf(header, login.token)).toBe(true);
    expect(cookies.checkLoginCsrf(header, `${login.token}x`)).toBe(false);
    expect(cookies.checkLoginCsrf(undefined, login.token)).toBe(false);
  });

  test('the signing key is generated once into the data directory (mode 0600) and reused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccm-secret-'));
    try {
      const k1 = resolveSessionSecret({ dataDir: dir });
      const k2 = resolveSessionSecret({ dataDir: dir });
      expect(Buffer.from(k1).equals(Buffer.from(k2))).toBe(true);
      expect(k1.length).toBe(32);
      expect(statSync(path.join(dir, 'session-secret')).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(dir, 'session-secret'), 'utf8').trim()).toMatch(/^[\w-]{43}$/);
      expect(Buffer.from(resolveSessionSecret({ secret: 'x'.repeat(32), dataDir: dir })).toString()).toBe(
        'x'.repeat(32),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('cookie headers parse', () => {
    expect(parseCookies('a=1; b=two; a=3; bad')).toEqual({ a: '1', b: 'two' });
  });
});
