/**
 * Issue 14, finding 8: the demo (demo users with published passwords, demo clients with published secrets,
 * the /ehr launch simulator, demo data) is off unless asked for; DEMO=true turns all four on, each switch
 * overrides it; NODE_ENV=production refuses demo credentials; an app assembled as main.ts does it from the
 * default configuration lets no demo user or client in.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { assembleApp, type AssembledApp } from '../../server/assemble.js';
import { ConfigError, loadConfig, productionProblem } from '../../server/config.js';
import { openStore } from '../../server/storage/open-store.js';
import type { Storage } from '../../server/storage/repository.js';
import { DEMO_EHR } from '../helpers/smart-token.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-demo-switch-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The problems of a configuration that must not load. */
function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('the demo switches', () => {
  test('without DEMO every demo switch is off and the users store is DATA_DIR/users.json', () => {
    const dir = tempDir();
    const c = loadConfig({ DATA_DIR: dir });
    expect({
      demo: c.demo,
      demoUsers: c.demoUsers,
      demoClients: c.demoClients,
      ehrSimulator: c.ehrSimulator,
      demoData: c.demoData,
    }).toEqual({ demo: false, demoUsers: false, demoClients: false, ehrSimulator: false, demoData: false });
    expect(c.usersFile).toBe(path.join(dir, 'users.json'));
    expect(loadConfig({ USERS_FILE: path.join(dir, 'elsewhere.json') }).usersFile).toBe(
      path.join(dir, 'elsewhere.json'),
    );
  });

  test('DEMO=true turns on demo users, demo clients, /ehr and demo data; each switch overrides it', () => {
    const on = loadConfig({ DEMO: 'true' });
    expect([on.demo, on.demoUsers, on.demoClients, on.ehrSimulator, on.demoData]).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    const some = loadConfig({ DEMO: 'true', DEMO_USERS: 'false', DEMO_DATA: '0' });
    expect([some.demoUsers, some.demoClients, some.ehrSimulator, some.demoData]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    const one = loadConfig({ EHR_SIMULATOR: 'yes' });
    expect([one.demoUsers, one.demoClients, one.ehrSimulator, one.demoData]).toEqual([
      false,
      false,
      true,
      false,
    ]);
  });

  test('bad values stop the start with a message naming each variable', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'users.json');
    writeFileSync(bad, '{"users": [{"username": "x"}]}');
    const problems = problemsOf({
      DEMO: 'maybe',
      DEMO_USERS: '2',
      EHR_SIMULATOR: 'on-ish',
      SMART_DEMO_CLIENTS: 'sure',
      USERS_FILE: bad,
    });
    for (const name of ['DEMO=maybe', 'DEMO_USERS=2', 'EHR_SIMULATOR=on-ish', 'SMART_DEMO_CLIENTS=sure'])
      expect(problems).toContain(name);
    expect(problems).toContain(`USERS_FILE=${bad}`);
    expect(problemsOf({ USERS_FILE: dir })).toContain(`USERS_FILE=${dir}`);
  });

  test('NODE_ENV=production refuses demo users and demo clients, naming the switches to turn off', () => {
    const all = problemsOf({ NODE_ENV: 'production', DEMO: 'true' });
    expect(all).toContain('NODE_ENV=production');
    expect(all).toContain('DEMO_USERS');
    expect(all).toContain('SMART_DEMO_CLIENTS');
    expect(all).toContain('DEMO=false');
    const clients = problemsOf({ NODE_ENV: 'production', SMART_DEMO_CLIENTS: 'true' });
    expect(clients).toContain('SMART_DEMO_CLIENTS');
    expect(clients).not.toContain('DEMO_USERS');
    expect(problemsOf({ NODE_ENV: 'production', DEMO_USERS: '1' })).toContain('DEMO_USERS');
    // Without demo credentials production starts (demo data and the simulator hold no credential).
    expect(loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'true', EHR_SIMULATOR: 'true' }).demoData).toBe(
      true,
    );
    expect(productionProblem('production', { demoUsers: false, demoClients: false })).toBeNull();
    expect(productionProblem('development', { demoUsers: true, demoClients: true })).toBeNull();
    expect(productionProblem('production', { demoUsers: true, demoClients: false })).toContain('DEMO_USERS');
  });
});

/** Signs in to the dashboard (login form, CSRF cookie and field); the response of the POST. */
async function dashboardSignIn(app: AssembledApp['app'], username: string, password: string) {
  const form = await request(app).get('/dashboard/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const cookie = ([] as string[])
    .concat(form.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  return request(app)
    .post('/dashboard/login')
    .set('cookie', cookie)
    .type('form')
    .send({ _csrf: csrf, username, password, next: '/dashboard' });
}

/** Posts the /ehr sign-in form (with whatever hidden fields the form carries); the response. */
async function ehrSignIn(app: AssembledApp['app'], username: string, password: string) {
  const agent = request.agent(app);
  const form = await agent.get('/ehr');
  const hidden = Object.fromEntries(
    [...form.text.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [
      m[1],
      m[2],
    ]),
  );
  return agent
    .post('/ehr/login')
    .type('form')
    .send({ ...hidden, username, password });
}

/** A client_credentials request of the demo EHR client (its secret is published in the README). */
function demoClientToken(app: AssembledApp['app']) {
  return request(app)
    .post('/auth/token')
    .auth(DEMO_EHR.clientId, DEMO_EHR.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
}

describe('an app assembled as main.ts does it', () => {
  const stores: Storage[] = [];
  async function assembled(env: Record<string, string>): Promise<AssembledApp> {
    const config = loadConfig({ DATA_DIR: tempDir(), ...env });
    const store = await openStore({ dataDir: null });
    stores.push(store);
    return assembleApp({ config, store });
  }
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  let off: AssembledApp;
  let demo: AssembledApp;
  beforeAll(async () => {
    off = await assembled({});
    demo = await assembled({ DEMO: 'true' });
  });

  test('default configuration: the demo biller cannot sign in to the dashboard, /ehr is 404, no demo client', async () => {
    expect((await dashboardSignIn(off.app, 'biller', 'ccm-demo-biller')).status).toBe(401);
    expect((await request(off.app).get('/ehr')).status).toBe(404);
    expect((await request(off.app).get('/ehr/smart-style.json')).status).toBe(404);
    expect(
      (await request(off.app).post('/ehr/login').type('form').send({ username: 'okonkwo' })).status,
    ).toBe(404);
    expect((await demoClientToken(off.app)).status).toBe(401);
    expect(await off.practiceUsers.authenticate('okonkwo', 'ccm-demo-okonkwo')).toBeNull();
  });

  test('DEMO=true: the demo biller signs in to the dashboard, a demo physician to /ehr, the demo client gets a token', async () => {
    expect((await dashboardSignIn(demo.app, 'biller', 'ccm-demo-biller')).status).toBe(303);
    const ehr = await ehrSignIn(demo.app, 'okonkwo', 'ccm-demo-okonkwo');
    expect(ehr.status).toBe(303);
    expect((await demoClientToken(demo.app)).status).toBe(200);
  });

  test('DEMO=true with DEMO_USERS=false: /ehr is served, but neither the demo physician nor the biller signs in', async () => {
    const t = await assembled({ DEMO: 'true', DEMO_USERS: 'false' });
    const home = await request(t.app).get('/ehr');
    expect(home.status).toBe(200);
    expect(home.text).toContain('name="password"');
    const ehr = await ehrSignIn(t.app, 'okonkwo', 'ccm-demo-okonkwo');
    expect(ehr.status).not.toBe(303);
    expect(String(ehr.headers['set-cookie'] ?? '')).not.toContain('ccm_auth=ey');
    expect((await dashboardSignIn(t.app, 'biller', 'ccm-demo-biller')).status).toBe(401);
  });
});

describe('UNKNOWN_PROFILES', () => {
  test('warn by default (ignore is its earlier name); reject on request; anything else is a problem', () => {
    expect(loadConfig({}).unknownProfiles).toBe('warn');
    expect(loadConfig({ UNKNOWN_PROFILES: 'warn' }).unknownProfiles).toBe('warn');
    expect(loadConfig({ UNKNOWN_PROFILES: 'ignore' }).unknownProfiles).toBe('warn');
    expect(loadConfig({ UNKNOWN_PROFILES: 'reject' }).unknownProfiles).toBe('reject');
    expect(problemsOf({ UNKNOWN_PROFILES: 'strict' })).toMatch(
      /UNKNOWN_PROFILES=strict: expected warn or reject/,
    );
  });
});
