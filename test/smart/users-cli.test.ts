/**
 * Issue 14, finding 8: real practice users are managed with `npm run users` (scripts/users.ts), stored as
 * scrypt hashes in USERS_FILE (default DATA_DIR/users.json, mode 0600, replaced atomically), and a running
 * server picks changes up on the next sign-in without a restart. Roles map onto what each door needs:
 * biller → dashboard; physician and care-manager → /auth and /ehr (with a Practitioner); admin → all.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { assembleApp, type AssembledApp } from '../../server/assemble.js';
import { LiveUserStore } from '../../server/auth/live-user-store.js';
import { writeUsersFile } from '../../server/auth/users-file.js';
import { loadConfig } from '../../server/config.js';
import { openStore } from '../../server/storage/open-store.js';
import type { Storage } from '../../server/storage/repository.js';
import { ROOT } from '../helpers/server-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ccm-users-cli-'));
const usersFile = path.join(dir, 'users.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run users -- args` (the script itself) with `stdin`; exit code and output. */
function users(
  args: string[],
  stdin = '',
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/users.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: dir, USERS_FILE: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/** The stored users file. */
function stored(): { users: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(usersFile, 'utf8')) as { users: Array<Record<string, unknown>> };
}

/** Signs in to the dashboard; the status of the POST and the session cookie. */
async function dashboardSignIn(app: AssembledApp['app'], username: string, password: string) {
  const form = await request(app).get('/dashboard/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const cookie = ([] as string[])
    .concat(form.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await request(app)
    .post('/dashboard/login')
    .set('cookie', cookie)
    .type('form')
    .send({ _csrf: csrf, username, password, next: '/dashboard' });
  const session = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('ccm_dashboard='))
    ?.split(';')[0];
  return { status: res.status, session };
}

describe('npm run users', () => {
  test('add stores a scrypt hash (never the password) in DATA_DIR/users.json, mode 0600, atomically', async () => {
    const r = await users(
      ['add', 'alice', '--role', 'biller', '--name', 'Alice Biller', '--password-stdin'],
      'alice-long-password\n',
    );
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('alice');
    const text = readFileSync(usersFile, 'utf8');
    expect(text).not.toContain('alice-long-password');
    expect(stored().users).toEqual([
      {
        username: 'alice',
        displayName: 'Alice Biller',
        roles: ['biller'],
        passwordHash: expect.stringMatching(/^scrypt\$16384\$8\$1\$/),
      },
    ]);
    expect(statSync(usersFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.startsWith('users.json'))).toEqual(['users.json']);
  });

  test('list shows users and roles, never hashes', async () => {
    await users(
      ['add', 'drwho', '--role', 'physician', '--practitioner', 'Practitioner/demo-pr-1', '--password-stdin'],
      'physician-password-1',
    );
    const r = await users(['list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/alice\s+biller\s+Alice Biller/);
    expect(r.out).toMatch(/drwho\s+physician\s+drwho\s+Practitioner\/demo-pr-1/);
    expect(r.out).not.toContain('scrypt');
  });

  test('usage errors: unknown role, password on the command line, duplicate, missing practitioner, short password, no terminal', async () => {
    const role = await users(['add', 'bob', '--role', 'nurse', '--password-stdin'], 'bob-long-password');
    expect(role.code).toBe(2);
    expect(role.err).toContain('--role');
    const argv = await users(['add', 'bob', '--role', 'biller', '--password', 'bob-long-password']);
    expect(argv.code).toBe(2);
    const dup = await users(['add', 'ALICE', '--role', 'biller', '--password-stdin'], 'alice-long-password');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already exists');
    const noPr = await users(
      ['add', 'carl', '--role', 'care-manager', '--password-stdin'],
      'carl-long-password',
    );
    expect(noPr.code).toBe(2);
    expect(noPr.err).toContain('--practitioner');
    const short = await users(['add', 'dan', '--role', 'biller', '--password-stdin'], 'short');
    expect(short.code).toBe(2);
    expect(short.err).toContain('at least 12');
    const tty = await users(['add', 'eve', '--role', 'biller'], 'eve-long-password');
    expect(tty.code).toBe(2);
    expect(tty.err).toContain('--password-stdin');
    expect(stored().users.map((u) => u.username)).toEqual(['alice', 'drwho']);
  });

  test('passwd changes the hash, set-roles the roles, remove the user', async () => {
    const before = stored().users[0].passwordHash;
    expect((await users(['passwd', 'alice', '--password-stdin'], 'alice-new-password\n')).code).toBe(0);
    expect(stored().users[0].passwordHash).not.toBe(before);
    expect((await users(['set-roles', 'alice', '--role', 'biller,admin'])).code).toBe(0);
    expect(stored().users[0].roles).toEqual(['biller', 'admin']);
    expect((await users(['remove', 'drwho'])).code).toBe(0);
    expect((await users(['remove', 'drwho'])).code).toBe(1);
    expect(stored().users.map((u) => u.username)).toEqual(['alice']);
    expect((await users(['passwd', 'nobody', '--password-stdin'], 'some-long-password')).code).toBe(1);
    expect((await users(['list'], '', { USERS_FILE: path.join(dir, 'other.json') })).out).toContain(
      'no users',
    );
  });
});

describe('a running server and the users store', () => {
  let store: Storage;
  let t: AssembledApp;
  beforeAll(async () => {
    store = await openStore({ dataDir: null });
    t = await assembleApp({ config: loadConfig({ DATA_DIR: dir }), store });
  });
  afterAll(() => store.close());

  test('a user added, changed or removed by the command is seen at the next sign-in, without a restart', async () => {
    expect((await dashboardSignIn(t.app, 'frank', 'frank-long-password')).status).toBe(401);
    expect(
      (await users(['add', 'frank', '--role', 'biller', '--password-stdin'], 'frank-long-password')).code,
    ).toBe(0);
    const first = await dashboardSignIn(t.app, 'frank', 'frank-long-password');
    expect(first.status).toBe(303);
    const page = await request(t.app)
      .get('/dashboard')
      .set('cookie', first.session as string);
    expect(page.status).toBe(200);
    expect((await users(['passwd', 'frank', '--password-stdin'], 'frank-other-password')).code).toBe(0);
    expect((await dashboardSignIn(t.app, 'frank', 'frank-long-password')).status).toBe(401);
    expect((await dashboardSignIn(t.app, 'frank', 'frank-other-password')).status).toBe(303);
    expect((await users(['remove', 'frank'])).code).toBe(0);
    expect((await dashboardSignIn(t.app, 'frank', 'frank-other-password')).status).toBe(401);
    // A removed user's open session no longer opens the dashboard.
    expect(
      (
        await request(t.app)
          .get('/dashboard')
          .set('cookie', first.session as string)
      ).status,
    ).toBe(303);
  });

  test('roles: biller and admin open the dashboard; physician, care-manager and admin (with a Practitioner) sign in to /auth and /ehr', async () => {
    const pw = 'role-test-password';
    const add = (name: string, role: string, pr?: string) =>
      users(['add', name, '--role', role, ...(pr ? ['--practitioner', pr] : []), '--password-stdin'], pw);
    expect((await add('r-biller', 'biller')).code).toBe(0);
    expect((await add('r-phys', 'physician', 'Practitioner/demo-pr-1')).code).toBe(0);
    expect((await add('r-cm', 'care-manager', 'Practitioner/demo-pr-2')).code).toBe(0);
    expect((await add('r-admin', 'admin', 'Practitioner/demo-pr-3')).code).toBe(0);
    expect((await add('r-admin2', 'admin')).code).toBe(0);
    expect((await add('r-biller-pr', 'biller', 'Practitioner/demo-pr-1')).code).toBe(0);
    const dashboard = async (name: string) => {
      const s = await dashboardSignIn(t.app, name, pw);
      return s.session ? (await request(t.app).get('/dashboard').set('cookie', s.session)).status : s.status;
    };
    expect(await dashboard('r-biller')).toBe(200);
    expect(await dashboard('r-admin')).toBe(200);
    expect(await dashboard('r-phys')).toBe(403);
    const smart = async (name: string) => (await t.access.users.verify(name, pw))?.fhirUser ?? null;
    expect(await smart('r-phys')).toBe('Practitioner/demo-pr-1');
    expect(await smart('r-cm')).toBe('Practitioner/demo-pr-2');
    expect(await smart('r-admin')).toBe('Practitioner/demo-pr-3');
    expect(await smart('r-admin2')).toBeNull();
    expect(await smart('r-biller')).toBeNull();
    expect(await smart('r-biller-pr')).toBeNull();
  });
});

describe('the users store of a running server', () => {
  test('a users file that becomes unreadable is reported once and the users read before stay in force', () => {
    const file = path.join(dir, 'live.json');
    const user = {
      username: 'gina',
      displayName: 'Gina',
      roles: ['biller'],
      passwordHash: 'scrypt$1$1$1$x$y',
    };
    writeUsersFile(file, [user]);
    const errors: unknown[] = [];
    const live = new LiveUserStore({ demo: [], file, onReloadError: (e) => errors.push(e) });
    expect(live.find('GINA')?.username).toBe('gina');
    writeFileSync(file, '{"users": [{"username": 1}]}');
    expect(live.find('gina')?.username).toBe('gina');
    expect(live.count()).toBe(1);
    expect(errors).toHaveLength(1);
    writeUsersFile(file, []);
    expect(live.find('gina')).toBeUndefined();
    expect(live.count()).toBe(0);
  });
});
