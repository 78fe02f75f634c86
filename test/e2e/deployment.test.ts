/**
 * Issue 14, finding 8, on the real server process: NODE_ENV=production with the demo refuses to start and
 * says which switches to turn off; without DEMO the demo biller cannot sign in to the dashboard, /ehr is
 * not served and the server warns that nobody can sign in; `npm start` runs the demo and says so.
 */
import { afterAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killLeftovers, ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

const dirs: string[] = [];
const procs: ServerProcess[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-deploy-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  killLeftovers(procs);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Signs in to the dashboard of a running server; the status of the POST. */
async function dashboardSignIn(origin: string, username: string, password: string): Promise<number> {
  const form = await fetch(`${origin}/dashboard/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${origin}/dashboard/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username, password, next: '/dashboard' }).toString(),
  });
  return res.status;
}

test('NODE_ENV=production with DEMO=true exits non-zero, naming the demo credential switches', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tempDir(),
      NODE_ENV: 'production',
      DEMO: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const served = new Promise<string>((resolve) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('FHIR base:')) resolve('served');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  const exited = new Promise<string>((resolve) => child.on('exit', (code) => resolve(`exit ${code}`)));
  const outcome = await Promise.race([served, exited]);
  if (outcome === 'served') child.kill('SIGKILL');
  expect(outcome).toBe('exit 2');
  expect(out).toContain('NODE_ENV=production');
  expect(out).toContain('DEMO_USERS');
  expect(out).toContain('SMART_DEMO_CLIENTS');
});

test('without DEMO: the demo biller is refused, /ehr is 404, and the server warns that nobody can sign in', async () => {
  const server = await startServer({ DATA_DIR: tempDir(), DEMO: '' }, { token: false });
  procs.push(server);
  expect(await dashboardSignIn(server.origin, 'biller', 'ccm-demo-biller')).toBe(401);
  expect((await fetch(`${server.origin}/ehr`)).status).toBe(404);
  expect(
    (
      await fetch(`${server.origin}/ehr/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=okonkwo&password=ccm-demo-okonkwo',
      })
    ).status,
  ).toBe(404);
  expect(server.output()).toContain('npm run users -- add');
  expect(server.output()).not.toContain('/ehr');
  server.child.kill('SIGTERM');
  await server.exited;
});

test('npm start on a fresh clone runs the demo and says so, with how to turn it off', async () => {
  const server = await startServer(
    { DATA_DIR: tempDir(), DEMO: '' },
    { command: 'npm', args: ['start', '--silent'], detached: true },
  );
  procs.push(server);
  expect(await dashboardSignIn(server.origin, 'biller', 'ccm-demo-biller')).toBe(303);
  expect(server.output()).toContain('DEMO');
  expect(server.output()).toContain('DEMO=false');
  process.kill(-(server.child.pid as number), 'SIGTERM');
  await server.exited;
});
