/**
 * Acceptance: the importer (`npm run import`, scripts/import.ts) loads a 300-patient
 * Synthea-shaped population of transaction Bundles (plain and gzipped), a collection Bundle, Synthea's
 * hospital bundle (loaded first: patient data refers to it conditionally) and NDJSON into a real server
 * process (SMART enforced: the importer gets Backend Services tokens with client credentials from the
 * environment), with 0 unresolved references; a broken
 * Bundle is never half loaded and its error names the file and the entry (R4 http.html#transaction).
 * References are checked on a Bulk Data $export of the result.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Bundle, Condition, FhirResource, Patient } from 'fhir/r4.js';
import { countByType, syntheaBundles } from '../helpers/synthea-bundles.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { bearer, DEMO_EHR, getBackendToken } from '../helpers/smart-token.js';

const PATIENTS = 300;
let work: string;
let server: ServerProcess;
/** The server process enforces SMART: the importer and these checks use a Backend Services token. */
let token: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function runImport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/import.ts', '--base', server.base, ...args],
    {
      cwd: ROOT,
      // The importer gets its own tokens with the demo EHR client's credentials (never on the command line).
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        FHIR_CLIENT_ID: DEMO_EHR.clientId,
        FHIR_CLIENT_SECRET: DEMO_EHR.secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { ...bearer(token), ...headers } });
const total = async (query: string): Promise<number> =>
  ((await (await get(`${server.base}/${query}`)).json()) as Bundle).total as number;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ccm-import-'));
  const port = await freePort();
  server = await startServer({
    PORT: String(port),
    DATA_DIR: path.join(work, 'data'),
    DEMO_DATA: 'false',
    BODY_LIMIT: '64mb',
  });
  token = await getBackendToken(server.base);
});
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(work, { recursive: true, force: true });
});

/** Writes the input directory; returns the resources per type that should load. */
function writeInputs(dir: string): Record<string, number> {
  mkdirSync(path.join(dir, 'patients'), { recursive: true });
  const bundles = syntheaBundles({ patients: PATIENTS, encounters: 8 });
  const org = {
    resourceType: 'Organization',
    identifier: [{ system: 'https://github.com/synthetichealth/synthea', value: 'org-1' }],
    name: 'Springfield Primary Care',
  };
  // A patient bundle refers to the hospital conditionally, as Synthea's do: the hospital file must load first.
  const encounter = bundles[0].entry?.find((e) => e.resource?.resourceType === 'Encounter')
    ?.resource as unknown as Record<string, unknown>;
  encounter.serviceProvider = {
    reference: 'Organization?identifier=https://github.com/synthetichealth/synthea|org-1',
  };
  bundles.forEach((b, i) => {
    const file = path.join(dir, 'patients', `p${String(i).padStart(3, '0')}.json${i % 3 === 0 ? '.gz' : ''}`);
    writeFileSync(file, i % 3 === 0 ? gzipSync(JSON.stringify(b)) : JSON.stringify(b));
  });
  writeFileSync(
    path.join(dir, 'zz-hospitalInformation1.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: org, request: { method: 'POST', url: 'Organization' } }],
    }),
  );
  const collection: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: 'urn:uuid:11111111-2222-4333-a444-555555555555',
        resource: { resourceType: 'Patient', id: 'coll-1', name: [{ family: 'Collection' }] } as Patient,
      },
      {
        resource: {
          resourceType: 'Condition',
          subject: { reference: 'urn:uuid:11111111-2222-4333-a444-555555555555' },
          code: { text: 'Hypertension' },
        } as Condition,
      },
    ],
  };
  writeFileSync(path.join(dir, 'collection.json'), JSON.stringify(collection));
  const ndjson = [1, 2, 3].map((i) =>
    JSON.stringify({ resourceType: 'Practitioner', id: `nd-${i}`, name: [{ family: `Nd${i}` }] }),
  );
  writeFileSync(path.join(dir, 'practitioners.ndjson'), `${ndjson.join('\n')}\n`);
  const counts = countByType(bundles);
  counts.Organization = 1;
  counts.Patient += 1;
  counts.Condition += 1;
  counts.Practitioner = 3;
  return counts;
}

test('300 patients load with 0 unresolved references; counts per type match', async () => {
  const dir = path.join(work, 'in');
  const expected = writeInputs(dir);
  const run = await runImport(['--json', '--concurrency', '4', dir]);
  expect(run.stderr).toBe('');
  const summary = JSON.parse(run.stdout) as {
    files: number;
    filesFailed: number;
    resources: number;
    resourcesPerSecond: number;
    errors: unknown[];
  };
  expect(summary.errors).toEqual([]);
  expect(run.code).toBe(0);
  expect(summary.files).toBe(PATIENTS + 3);
  expect(summary.resources).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
  expect(summary.resourcesPerSecond).toBeGreaterThan(0);
  process.stdout.write(
    `import: ${summary.resources} resources in ${PATIENTS + 3} files at ${summary.resourcesPerSecond} resources/s\n`,
  );
  for (const [type, n] of Object.entries(expected))
    expect([type, await total(`${type}?_count=0`)]).toEqual([type, n]);

  // Every reference in the store resolves: export everything and resolve each reference against it.
  const kick = await get(`${server.base}/$export`, {
    prefer: 'respond-async',
    accept: 'application/fhir+json',
  });
  expect(kick.status).toBe(202);
  let status: Response;
  do {
    await new Promise((r) => setTimeout(r, 50));
    status = await get(kick.headers.get('content-location') as string);
  } while (status.status === 202);
  const manifest = (await status.json()) as { requiresAccessToken: boolean; output: Array<{ url: string }> };
  expect(manifest.requiresAccessToken).toBe(true); // the files sit behind the same bearer-token check
  const ids = new Set<string>();
  const refs: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (key === 'reference' && typeof v === 'string') refs.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const item of manifest.output) {
    for (const line of (await (await get(item.url)).text()).split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as FhirResource;
      ids.add(`${r.resourceType}/${r.id}`);
      walk(r, '');
    }
  }
  expect(refs.length).toBeGreaterThan(PATIENTS * 100);
  expect(refs.filter((r) => !ids.has(r))).toEqual([]);
}, 180000);

test('a broken Bundle is not loaded at all and its error names the file and entry; bad NDJSON lines are named', async () => {
  const dir = path.join(work, 'broken');
  mkdirSync(dir, { recursive: true });
  const [b] = syntheaBundles({ patients: 1, seed: 7, first: 9000 });
  const bad = b.entry?.[5].resource as unknown as Record<string, unknown>;
  bad.status = 'not-a-status-code!';
  writeFileSync(path.join(dir, 'broken.json'), JSON.stringify(b));
  writeFileSync(
    path.join(dir, 'lines.ndjson'),
    `${JSON.stringify({ resourceType: 'Practitioner', id: 'line-1' })}\nnot json\n`,
  );
  const run = await runImport(['--json', dir]);
  expect(run.code).toBe(1);
  const summary = JSON.parse(run.stdout) as {
    filesFailed: number;
    retries: number;
    errors: Array<{ file: string; at?: string; entry?: number; status?: number; message: string }>;
  };
  expect(summary.filesFailed).toBe(2);
  expect(summary.retries).toBe(0); // a 400 is final
  const broken = summary.errors.find((e) => e.file.endsWith('broken.json'));
  expect(broken?.at).toBe(`entry 5 (${String(bad.resourceType)})`);
  expect(broken?.entry).toBe(5);
  expect(broken?.status).toBe(400);
  const line = summary.errors.find((e) => e.file.endsWith('lines.ndjson'));
  expect(line).toMatchObject({ at: 'line 2', message: 'not valid JSON' });
  expect(await total('Patient?identifier=http://hospital.smarthealthit.org|MRN-9000&_count=0')).toBe(0);
  expect((await get(`${server.base}/Practitioner/line-1`)).status).toBe(200);
}, 60000);

test('the progress bar shows files, resources and rate; the summary is printed at the end', async () => {
  const dir = path.join(work, 'progress');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'p.ndjson'),
    `${JSON.stringify({ resourceType: 'Practitioner', id: 'bar-1' })}\n`,
  );
  const run = await runImport(['--progress', dir]);
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/files .* 1\/1 \| 1 resources \| \d+ resources\/s \| 0 errors/);
  expect(run.stdout).toMatch(/^Imported 1 of 1 files: 1 resources in [\d.]+ s \(\d+ resources\/s\)\n$/);
}, 60000);
