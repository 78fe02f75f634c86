/**
 * Acceptance (#17 item 6): the importer as a user runs it, against real server processes on 127.0.0.1.
 * Real Synthea records (fixtures/synthea/records: urn:uuid fullUrls, POST entries) load twice with 0 new
 * resources; the importer authenticates itself (private_key_jwt from an --auth file, a client secret from
 * the environment), renews a token that expires in the middle of a load, retries 503/502 and renews on 401
 * but never retries a 400, and resumes from its state file where an interrupted run stopped.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Bundle } from 'fhir/r4.js';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { DEMO_EHR, getBackendToken } from '../helpers/smart-token.js';

const RECORDS = path.join(ROOT, 'fixtures', 'synthea', 'records');
const KEY_CLIENT = 'import-test-key';

let work: string;
let server: ServerProcess;
/** A second server whose Backend Services tokens live 3 s. */
let shortLived: ServerProcess;
let proxy: FlakyProxy;
const SECRET_ENV = { FHIR_CLIENT_ID: DEMO_EHR.clientId, FHIR_CLIENT_SECRET: DEMO_EHR.secret };

interface Summary {
  files: number;
  filesLoaded: number;
  filesSkipped: number;
  filesFailed: number;
  resources: number;
  retries: number;
  tokens: number;
  renewedAfter401: number;
  errors: Array<{
    file: string;
    at?: string;
    entry?: number;
    status?: number;
    message: string;
    attempts?: number;
  }>;
}

function runImport(
  base: string,
  args: string[],
  env: Record<string, string> = SECRET_ENV,
): Promise<{ code: number | null; summary: Summary; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/import.ts', '--base', base, '--json', '--no-progress', ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      let summary = {} as Summary;
      try {
        summary = JSON.parse(stdout) as Summary;
      } catch {
        // the test's expectations on code and stderr say why
      }
      resolve({ code, summary, stderr });
    }),
  );
}

/** Resources per type as the server counts them (`_summary=count`). */
async function counts(s: ServerProcess, types: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of types) {
    const r = await fetch(`${s.base}/${t}?_summary=count`, { headers: s.auth });
    out[t] = ((await r.json()) as Bundle).total as number;
  }
  return out;
}

/** The versions per type in the store (type history totals, R4 http.html#history). */
async function versions(s: ServerProcess, types: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of types) {
    const r = await fetch(`${s.base}/${t}/_history?_count=1`, { headers: s.auth });
    out[t] = ((await r.json()) as Bundle).total as number;
  }
  return out;
}

/** The distinct resources per type in the fixture files (Organizations and Practitioners recur across files). */
function expectedCounts(): Record<string, number> {
  const ids: Record<string, Set<string>> = {};
  for (const f of readdirSync(RECORDS)) {
    const b = JSON.parse(gunzipSync(readFileSync(path.join(RECORDS, f))).toString('utf8')) as Bundle;
    for (const e of b.entry ?? [])
      (ids[e.resource?.resourceType as string] ??= new Set()).add(e.fullUrl as string);
  }
  return Object.fromEntries(Object.entries(ids).map(([t, s]) => [t, s.size]));
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ccm-import-resume-'));
  // A Backend Services client that authenticates with private_key_jwt (RS384), registered by its public JWK.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS384', use: 'sig' };
  writeFileSync(
    path.join(work, 'clients.json'),
    JSON.stringify({
      clients: [
        {
          client_id: KEY_CLIENT,
          token_endpoint_auth_methods: ['private_key_jwt'],
          jwks: { keys: [jwk] },
          grant_types: ['client_credentials'],
          scope: 'system/*.cruds',
        },
      ],
    }),
  );
  writeFileSync(path.join(work, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), {
    mode: 0o600,
  });
  writeFileSync(
    path.join(work, 'auth.json'),
    JSON.stringify({ clientId: KEY_CLIENT, privateKeyFile: 'key.pem', keyId: 'k1' }),
    { mode: 0o600 },
  );
  const common = {
    DEMO_DATA: 'false',
    BODY_LIMIT: '64mb',
    SMART_CLIENTS_FILE: path.join(work, 'clients.json'),
  };
  [server, shortLived] = await Promise.all([
    startServer({ ...common, DATA_DIR: path.join(work, 'data') }),
    startServer({ ...common, DATA_DIR: path.join(work, 'data-short'), BACKEND_TOKEN_SECONDS: '3' }),
  ]);
  proxy = await startFlakyProxy(server.origin);
}, 90000);

afterAll(async () => {
  await proxy?.close();
  for (const s of [server, shortLived]) {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }
  rmSync(work, { recursive: true, force: true });
});

test('the Synthea records load twice: the second run adds 0 resources and 0 versions (skipped by the state file, or PUT unchanged to the same ids)', async () => {
  const expected = expectedCounts();
  const types = Object.keys(expected);
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  const state = path.join(work, 'synthea.state');
  const auth = ['--auth', path.join(work, 'auth.json')];
  const first = await runImport(server.base, [...auth, '--state', state, RECORDS], {});
  expect(first.stderr).toBe('');
  expect(first.summary.errors).toEqual([]);
  expect(first.code).toBe(0);
  expect(first.summary).toMatchObject({
    files: 5,
    filesLoaded: 5,
    filesSkipped: 0,
    resources: 529,
    tokens: 1,
  });
  expect(await counts(server, types)).toEqual(expected);
  expect(total).toBeLessThan(529); // the patient files repeat Organizations and Practitioners of the shared ones

  // References to urn:uuid fullUrls were resolved to the stable ids.
  const patient = 'Patient/cc74fae7-b8e8-4e77-af46-fb7c3177bf1c';
  const enc = (await (
    await fetch(`${server.base}/Encounter?subject=${patient}&_count=1`, { headers: server.auth })
  ).json()) as Bundle;
  expect(enc.total).toBeGreaterThan(0);
  expect(enc.entry?.[0].resource).toMatchObject({ subject: { reference: patient } });

  const again = await runImport(server.base, [...auth, '--state', state, RECORDS], {});
  expect(again.code).toBe(0);
  expect(again.summary).toMatchObject({
    files: 5,
    filesLoaded: 0,
    filesSkipped: 5,
    resources: 0,
    errors: [],
  });

  // Organizations and Practitioners recur in the files with other content (the patient files' copies lack
  // the utilization extensions): each load of them is a real change. Every other resource occurs once.
  const once = types.filter((t) => t !== 'Organization' && t !== 'Practitioner');
  const before = await versions(server, once);
  expect(before).toEqual(Object.fromEntries(once.map((t) => [t, expected[t]])));
  const noState = await runImport(server.base, [...auth, RECORDS], {});
  expect(noState.code).toBe(0);
  expect(noState.summary).toMatchObject({ filesLoaded: 5, filesSkipped: 0, resources: 529, errors: [] });
  expect(await counts(server, types)).toEqual(expected);
  // Sent again, the same content writes no new version (an update without change, storage/repository.ts).
  expect(await versions(server, once)).toEqual(before);
}, 180000);

test('an interrupted load resumes where it stopped: the re-run sends only what is missing', async () => {
  const state = path.join(work, 'resume.state');
  const isTransaction = (method?: string, url?: string) => method === 'POST' && url === '/fhir';
  let passed = 0;
  proxy.setPolicy((req) => {
    if (!isTransaction(req.method, req.url)) return { pass: true };
    return passed++ < 3 ? { pass: true } : { status: 503 };
  });
  const base = proxy.url('/fhir');
  const cut = await runImport(base, ['--state', state, '--retries', '0', '--concurrency', '1', RECORDS]);
  expect(cut.code).toBe(1);
  expect(cut.summary).toMatchObject({ files: 5, filesLoaded: 3, filesFailed: 2, retries: 0 });
  expect(cut.summary.errors).toHaveLength(2);
  for (const e of cut.summary.errors) {
    expect(e).toMatchObject({ status: 503, message: 'proxy answered 503' });
    expect(e.file).toMatch(/\.json\.gz$/);
  }

  proxy.setPolicy(() => ({ pass: true }));
  const before = proxy.log.length;
  const rest = await runImport(base, ['--state', state, '--concurrency', '1', RECORDS]);
  expect(rest.code).toBe(0);
  expect(rest.summary).toMatchObject({ filesLoaded: 2, filesSkipped: 3, filesFailed: 0, errors: [] });
  const sent = proxy.log.slice(before).filter((r) => isTransaction(r.method, r.path));
  expect(sent).toHaveLength(2);
}, 120000);

function ndjson(dir: string, name: string, ids: string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, ids.map((id) => JSON.stringify({ resourceType: 'Practitioner', id })).join('\n'));
  return file;
}

test('503 and 502 are retried (Retry-After honoured), a 401 renews the token once, a 400 is never retried', async () => {
  const file = ndjson(path.join(work, 'retry'), 'p.ndjson', ['retry-1', 'retry-2', 'retry-3']);
  const answers: Array<{ status: number; headers?: Record<string, string> }> = [
    { status: 503, headers: { 'retry-after': '1' } },
    { status: 503 },
    { status: 502 },
    { status: 401 },
  ];
  proxy.setPolicy((req) =>
    req.method === 'POST' && answers.length > 0 ? (answers.shift() as never) : { pass: true },
  );
  const run = await runImport(proxy.url('/fhir'), [file]);
  expect(run.summary.errors).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.summary).toMatchObject({ resources: 3, retries: 3, renewedAfter401: 1, tokens: 2 });
  expect((await fetch(`${server.base}/Practitioner/retry-3`, { headers: server.auth })).status).toBe(200);

  proxy.setPolicy((req) => (req.method === 'POST' ? { status: 400 } : { pass: true }));
  const before = proxy.log.length;
  const refused = await runImport(proxy.url('/fhir'), [file]);
  expect(refused.code).toBe(1);
  expect(refused.summary.retries).toBe(0);
  expect(refused.summary.errors).toEqual([{ file, status: 400, message: 'proxy answered 400' }]);
  expect(proxy.log.slice(before).filter((r) => r.method === 'POST')).toHaveLength(1);
  proxy.setPolicy(() => ({ pass: true }));
}, 120000);

test('a load longer than the token lifetime completes: the token is renewed (a fixed FHIR_TOKEN expires mid-way)', async () => {
  const ids = Array.from({ length: 24 }, (_, i) => `renew-${i}`);
  const file = ndjson(path.join(work, 'renew'), 'p.ndjson', ids);
  // Each transaction takes at least 250 ms on the way in: 24 one-resource chunks outlast a 3 s token.
  const slow = await startFlakyProxy(shortLived.origin);
  slow.setPolicy((req) => (req.method === 'POST' ? { pass: true, delayMs: 250 } : { pass: true }));
  try {
    const args = ['--chunk', '1', '--concurrency', '1', file];
    const fixed = await runImport(slow.url('/fhir'), args, {
      FHIR_TOKEN: await getBackendToken(shortLived.base),
    });
    expect(fixed.code).toBe(1);
    expect(fixed.summary.errors.length).toBeGreaterThan(0);
    expect(fixed.summary.errors.every((e) => e.status === 401)).toBe(true);

    const renewing = await runImport(slow.url('/fhir'), args);
    expect(renewing.summary.errors).toEqual([]);
    expect(renewing.code).toBe(0);
    expect(renewing.summary.resources).toBe(24);
    expect(renewing.summary.tokens).toBeGreaterThanOrEqual(2);
    // At least one renewal came before the token expired (not only after a 401).
    expect(renewing.summary.tokens - 1).toBeGreaterThan(renewing.summary.renewedAfter401);
    const headers = { authorization: `Bearer ${await getBackendToken(shortLived.base)}` };
    const found = (await (
      await fetch(`${shortLived.base}/Practitioner?_id=${ids.join(',')}&_summary=count`, { headers })
    ).json()) as Bundle;
    expect(found.total).toBe(24);
  } finally {
    await slow.close();
  }
}, 120000);

test('a token or secret is never taken from the command line', async () => {
  const run = await runImport(server.base, ['--token', 'abc', RECORDS], {});
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--token is not accepted .* FHIR_TOKEN as a fallback/);
});
