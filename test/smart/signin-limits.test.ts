/**
 * Rate limits of the sign-in forms (/ehr, /auth, /dashboard) and of the token endpoint (issue #14 finding
 * 5): per account with a temporary lockout after consecutive failures (reset by a success), per client
 * address, answered 429 with `Retry-After`; the token endpoint answers an RFC 6749 §5.2-shaped JSON error.
 * The sign-in forms of /ehr and /auth carry a CSRF token (finding 7): a missing or wrong one is a 403 page.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import type { RateLimitConfig } from '../../server/config.js';
import { DEFAULT_RATE_LIMITS } from '../../server/config.js';
import { makeSmartTestApp, pathOf, request, TEST_USERS, type SmartTestApp } from '../helpers/smart-app.js';
import { authParams, hiddenField, sendAuthorize } from '../helpers/smart-flow.js';

type Agent = ReturnType<typeof request.agent>;

let t: SmartTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function appWith(limits: Partial<RateLimitConfig>): Promise<SmartTestApp> {
  t = await makeSmartTestApp({ rateLimits: { ...DEFAULT_RATE_LIMITS, ...limits } });
  return t;
}

/** Fetches a sign-in form (its CSRF cookie and field, as a browser does) and posts it. */
async function formLogin(agent: Agent, page: string, post: string, username: string, password: string) {
  const form = await agent.get(page);
  const csrf = hiddenField(form.text, '_csrf') ?? '';
  return agent.post(post).type('form').send({ _csrf: csrf, username, password }).redirects(0);
}

const ehrLogin = (app: SmartTestApp, username: string, password: string) =>
  formLogin(request.agent(app.app), '/ehr', '/ehr/login', username, password);

const [DOCTOR, NURSE] = TEST_USERS;

function expectRetryAfter(res: request.Response, atMost: number): void {
  expect(res.status).toBe(429);
  const seconds = Number(res.headers['retry-after']);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(atMost);
}

describe('CSRF on the /ehr and /auth sign-in forms', () => {
  test("a /ehr sign-in without its CSRF token, or with another browser's, is refused with a 403 page", async () => {
    const app = await appWith({});
    const bare = await request(app.app)
      .post('/ehr/login')
      .type('form')
      .send({ username: DOCTOR.username, password: DOCTOR.password });
    expect(bare.status).toBe(403);
    expect(bare.headers['content-type']).toMatch(/text\/html/);
    expect(bare.text).toMatch(/sign in again/i);
    expect(String(bare.headers['set-cookie'] ?? '')).not.toMatch(/ccm_auth=ey/);
    const other = await request(app.app).get('/ehr');
    const stolen = hiddenField(other.text, '_csrf');
    expect(stolen).toBeTruthy();
    const forged = await request
      .agent(app.app)
      .post('/ehr/login')
      .type('form')
      .send({ _csrf: stolen, username: DOCTOR.username, password: DOCTOR.password });
    expect(forged.status).toBe(403);
    expect((await ehrLogin(app, DOCTOR.username, DOCTOR.password)).status).toBe(303);
  });

  test('the /auth interaction login without its CSRF token is refused with a 403 page', async () => {
    const app = await appWith({});
    const agent = request.agent(app.app);
    const start = await sendAuthorize(agent, authParams('test-public', 'launch/patient patient/*.rs').params);
    const interaction = pathOf(start.headers.location as string);
    const bare = await agent
      .post(`${interaction}/login`)
      .type('form')
      .send({ username: DOCTOR.username, password: DOCTOR.password })
      .redirects(0);
    expect(bare.status).toBe(403);
    expect(bare.text).toMatch(/sign in again/i);
    const ok = await formLogin(agent, interaction, `${interaction}/login`, DOCTOR.username, DOCTOR.password);
    expect(ok.status).toBe(303);
  });
});

describe('sign-in rate limits', () => {
  test('an account is locked after N consecutive failures (429 + Retry-After, even with the right password); others are not', async () => {
    const app = await appWith({ signInAccountFailures: 3, signInLockoutSeconds: 600 });
    for (let i = 0; i < 3; i++) expect((await ehrLogin(app, NURSE.username, 'wrong')).status).toBe(401);
    const locked = await ehrLogin(app, NURSE.username, NURSE.password);
    expectRetryAfter(locked, 600);
    expect(locked.text).toMatch(/too many/i);
    expect((await ehrLogin(app, DOCTOR.username, DOCTOR.password)).status).toBe(303);
  });

  test('a success resets the count of consecutive failures', async () => {
    const app = await appWith({ signInAccountFailures: 3 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect((await ehrLogin(app, NURSE.username, 'wrong')).status).toBe(401);
      expect((await ehrLogin(app, NURSE.username, NURSE.password)).status).toBe(303);
    }
  });

  test('unknown user names are limited like known ones', async () => {
    const app = await appWith({ signInAccountFailures: 2 });
    for (let i = 0; i < 2; i++) expect((await ehrLogin(app, 'nobody', 'wrong')).status).toBe(401);
    expectRetryAfter(await ehrLogin(app, 'nobody', 'wrong'), DEFAULT_RATE_LIMITS.signInLockoutSeconds);
  });

  test('one address is limited across accounts (429 + Retry-After), on /ehr, /auth and /dashboard alike', async () => {
    const app = await appWith({ signInAddressFailures: 4, signInLockoutSeconds: 300 });
    const names = ['a1', 'a2', 'a3', 'a4'];
    for (const name of names) expect((await ehrLogin(app, name, 'wrong')).status).toBe(401);
    expectRetryAfter(await ehrLogin(app, DOCTOR.username, DOCTOR.password), 300);
    const agent = request.agent(app.app);
    const start = await sendAuthorize(agent, authParams('test-public', 'launch/patient patient/*.rs').params);
    const interaction = pathOf(start.headers.location as string);
    const auth = await formLogin(
      agent,
      interaction,
      `${interaction}/login`,
      DOCTOR.username,
      DOCTOR.password,
    );
    expectRetryAfter(auth, 300);
    const dash = await formLogin(
      request.agent(app.app),
      '/dashboard/login',
      '/dashboard/login',
      'biller',
      'x',
    );
    expectRetryAfter(dash, 300);
  });

  test('the dashboard locks an account after N consecutive failures', async () => {
    const app = await appWith({ signInAccountFailures: 2 });
    const login = () =>
      formLogin(request.agent(app.app), '/dashboard/login', '/dashboard/login', 'biller', 'wrong');
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    const locked = await login();
    expectRetryAfter(locked, DEFAULT_RATE_LIMITS.signInLockoutSeconds);
    expect(locked.text).toMatch(/too many/i);
  });
});

describe('token endpoint rate limits', () => {
  const token = (app: SmartTestApp, clientId: string) =>
    request(app.app)
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'authorization_code', client_id: clientId, code: 'nope', redirect_uri: 'x' });

  test('per client_id: 429 with Retry-After and an RFC 6749 JSON error once the limit is reached', async () => {
    const app = await appWith({ tokenPerClient: 3 });
    for (let i = 0; i < 3; i++) expect((await token(app, 'test-public')).status).toBe(400);
    const limited = await token(app, 'test-public');
    expectRetryAfter(limited, 60);
    expect(limited.headers['content-type']).toMatch(/application\/json/);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(limited.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/too many/i),
    });
    expect((await token(app, 'test-confidential')).status).toBe(400);
  });

  test('per address: many client_ids from one address are limited too', async () => {
    const app = await appWith({ tokenPerAddress: 5 });
    for (let i = 0; i < 5; i++) expect((await token(app, `made-up-${i}`)).status).toBe(400);
    expectRetryAfter(await token(app, 'test-public'), 60);
  });
});
