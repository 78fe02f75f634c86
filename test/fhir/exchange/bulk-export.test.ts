/**
 * Bulk Data Access IG 2.0 $export (https://hl7.org/fhir/uv/bulkdata/STU2/export.html): kick-off
 * (#bulk-data-kick-off-request, #headers, #query-parameters), 202 with Content-Location (#response---success),
 * errors as OperationOutcome (#response---error), status polling (#bulk-data-status-request,
 * #response---in-progress-status, #response---complete-status), NDJSON files (#file-request) and
 * cancellation (#bulk-data-delete-request), at system, Patient and Group level (#endpoint---system-level-export,
 * #endpoint---all-patients, #endpoint---group-of-patients).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Bundle, FhirResource, Group, Observation, Parameters } from 'fhir/r4.js';
import { TEST_BASE } from '../../helpers/test-app.js';
import { syntheaBundles } from '../../helpers/synthea-bundles.js';
import { download, kickOff, pathOf, waitForStatus, type ManifestItem } from './bulk-helpers.js';
import { exchangeApp, postBundle, type ExchangeApp } from './helpers.js';

let t: ExchangeApp;
let dir: string;
const patientIds: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccm-bulk-'));
  t = await exchangeApp({ dataDir: dir });
  t.bulk.start();
  for (const b of syntheaBundles({ patients: 6, encounters: 3 })) {
    const res = await postBundle(t.app, b, { prefer: 'return=minimal' });
    expect(res.status).toBe(200);
    patientIds.push(
      /Patient\/([^/]+)\//.exec((res.body as Bundle).entry?.[0].response?.location ?? '')?.[1] as string,
    );
  }
  const group: Group = {
    resourceType: 'Group',
    id: 'ccm-panel',
    type: 'person',
    actual: true,
    member: patientIds.slice(0, 2).map((id) => ({ entity: { reference: `Patient/${id}` } })),
  };
  await request(t.app)
    .put('/fhir/Group/ccm-panel')
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify(group));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ManifestItem[];
  deleted?: ManifestItem[];
  error: ManifestItem[];
}

async function exportAll(
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<{ manifest: Manifest; files: Awaited<ReturnType<typeof download>> }> {
  const kick = await kickOff(t.app, pathAndQuery, headers);
  expect(kick.status).toBe(202);
  const done = await waitForStatus(t.app, kick.headers['content-location']);
  expect(done.status).toBe(200);
  const manifest = JSON.parse(done.text) as Manifest;
  return { manifest, files: await download(t.app, manifest.output) };
}

const countsOf = (files: Array<{ resources: FhirResource[] }>): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const f of files)
    for (const r of f.resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
};

describe('system-level export (#endpoint---system-level-export)', () => {
  test('kick-off answers 202 Accepted with the status URL in Content-Location (#response---success)', async () => {
    const res = await kickOff(t.app, '$export');
    expect(res.status).toBe(202);
    expect(res.headers['content-location']).toMatch(new RegExp(`^${TEST_BASE}/bulk-status/[0-9a-f-]{36}$`));
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect((await waitForStatus(t.app, res.headers['content-location'])).status).toBe(200);
  });

  test("complete: 200, application/json manifest with Expires; NDJSON files whose counts per type equal the store's (#response---complete-status, #file-request)", async () => {
    const kick = await kickOff(t.app, '$export?_outputFormat=application/fhir%2Bndjson');
    const done = await waitForStatus(t.app, kick.headers['content-location']);
    expect(done.status).toBe(200);
    expect(done.headers['content-type']).toMatch(/^application\/json/);
    expect(Date.parse(done.headers.expires)).toBeGreaterThan(Date.now());
    const manifest = JSON.parse(done.text) as Manifest;
    expect(manifest.request).toBe(`${TEST_BASE}/$export?_outputFormat=application%2Ffhir%2Bndjson`);
    expect(manifest.requiresAccessToken).toBe(false);
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThan(0);
    expect(manifest.error).toEqual([]);
    const files = await download(t.app, manifest.output);
    for (const f of files) {
      expect(f.contentType).toMatch(/^application\/fhir\+ndjson/);
      expect(f.resources.every((r) => r.resourceType === f.item.type)).toBe(true);
      expect(f.item.count).toBe(f.resources.length);
    }
    const counts = countsOf(files);
    const expected: Record<string, number> = {};
    for (const type of t.services.resourceTypes) {
      const n = await t.services.resources.count(type, { kind: 'all' });
      if (n > 0) expected[type] = n;
    }
    expect(counts).toEqual(expected);
    expect(counts.Patient).toBe(6);
    expect(counts.Group).toBe(1);
  });

  test('_type limits the types; _since limits to later changes and lists deletions (#query-parameters)', async () => {
    const typed = await exportAll('$export?_type=Patient,Condition');
    expect(Object.keys(countsOf(typed.files)).sort()).toEqual(['Condition', 'Patient']);
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const p = await request(t.app).get(`/fhir/Patient/${patientIds[5]}`);
    await request(t.app)
      .put(`/fhir/Patient/${patientIds[5]}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...p.body, active: false }));
    const obs = await request(t.app).get(`/fhir/Observation?subject=Patient/${patientIds[5]}&_count=1`);
    const obsId = (obs.body as Bundle).entry?.[0].resource?.id as string;
    expect((await request(t.app).delete(`/fhir/Observation/${obsId}`)).status).toBe(204);
    const later = await exportAll(`$export?_since=${encodeURIComponent(since)}`);
    expect(countsOf(later.files)).toEqual({ Patient: 1 });
    expect(later.files[0].resources[0].id).toBe(patientIds[5]);
    const deleted = await download(t.app, later.manifest.deleted ?? []);
    const bundles = deleted.flatMap((f) => f.resources) as Bundle[];
    expect(bundles).toHaveLength(1);
    expect(bundles[0].type).toBe('transaction');
    expect(bundles[0].entry?.[0].request).toEqual({ method: 'DELETE', url: `Observation/${obsId}` });
  });

  test('POST kick-off with a Parameters body (#bulk-data-kick-off-request)', async () => {
    const params: Parameters = {
      resourceType: 'Parameters',
      parameter: [{ name: '_type', valueString: 'Goal' }],
    };
    const kick = await request(t.app)
      .post('/fhir/$export')
      .set('content-type', 'application/fhir+json')
      .set('prefer', 'respond-async')
      .send(JSON.stringify(params));
    expect(kick.status).toBe(202);
    const done = await waitForStatus(t.app, kick.headers['content-location']);
    expect((JSON.parse(done.text) as Manifest).output.map((o) => o.type)).toEqual(['Goal']);
  });
});

describe('Patient and Group level (#endpoint---all-patients, #endpoint---group-of-patients)', () => {
  test('Patient/$export: Patient compartment types only', async () => {
    const { files } = await exportAll('Patient/$export');
    const counts = countsOf(files);
    expect(counts.Patient).toBe(6);
    expect(counts.Observation).toBe(await t.services.resources.count('Observation', { kind: 'all' }));
    for (const type of Object.keys(counts)) {
      expect(type === 'Patient' || t.services.registry.patientCompartmentParams(type).length > 0).toBe(true);
    }
  });

  test('Group/[id]/$export: only the members and their compartments', async () => {
    const { files } = await exportAll('Group/ccm-panel/$export?_type=Patient,Observation');
    const members = new Set(patientIds.slice(0, 2).map((id) => `Patient/${id}`));
    const byType = new Map(files.map((f) => [f.item.type, f.resources]));
    expect(
      byType
        .get('Patient')
        ?.map((p) => `Patient/${p.id}`)
        .sort(),
    ).toEqual([...members].sort());
    const observations = byType.get('Observation') as Observation[];
    expect(observations.length).toBeGreaterThan(0);
    expect(observations.every((o) => members.has(o.subject?.reference ?? ''))).toBe(true);
  });
});

describe('errors are OperationOutcomes (#response---error)', () => {
  test.each([
    ['no Prefer: respond-async', '$export', { prefer: '' }, 400],
    ['an unsupported _outputFormat', '$export?_outputFormat=text/csv', {}, 400],
    ['an unknown _type', '$export?_type=Patient,NotAType', {}, 400],
    [
      'a type outside the Patient compartment at Patient level',
      'Patient/$export?_type=Organization',
      {},
      400,
    ],
    [
      '_typeFilter, which this server does not support',
      '$export?_typeFilter=Patient%3Factive%3Dtrue',
      {},
      400,
    ],
    ['a malformed _since', '$export?_since=yesterday', {}, 400],
    ['an unknown Group', 'Group/nope/$export', {}, 404],
    ['$export on another type', 'Observation/$export', {}, 404],
  ])('%s', async (_what, url, headers, status) => {
    const res = await kickOff(t.app, url, headers);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('Prefer: handling=lenient ignores unsupported parameters and types', async () => {
    const res = await kickOff(t.app, '$export?_typeFilter=Patient%3Factive%3Dtrue&_type=Patient,NotAType', {
      prefer: 'respond-async, handling=lenient',
    });
    expect(res.status).toBe(202);
    const done = await waitForStatus(t.app, res.headers['content-location']);
    expect((JSON.parse(done.text) as Manifest).output.map((o) => o.type)).toEqual(['Patient']);
  });

  test('unknown job or file: 404 OperationOutcome', async () => {
    const status = await request(t.app).get('/fhir/bulk-status/00000000-0000-4000-8000-000000000000');
    expect(status.status).toBe(404);
    expect(status.body.resourceType).toBe('OperationOutcome');
    const kick = await kickOff(t.app, '$export?_type=Patient');
    const done = await waitForStatus(t.app, kick.headers['content-location']);
    const url = (JSON.parse(done.text) as Manifest).output[0].url;
    expect(
      (await request(t.app).get(pathOf(url.replace('Patient-1.ndjson', '..%2F..%2Fjournal')))).status,
    ).toBe(404);
  });
});

describe('status and cancellation (#bulk-data-status-request, #bulk-data-delete-request)', () => {
  test('in progress: 202 with X-Progress and Retry-After (#response---in-progress-status)', async () => {
    await t.bulk.stop();
    try {
      const kick = await kickOff(t.app, '$export');
      const status = await request(t.app).get(pathOf(kick.headers['content-location']));
      expect(status.status).toBe(202);
      expect(status.headers['x-progress']).toBe('queued');
      expect(Number(status.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      t.bulk.start();
    }
  });

  test('DELETE cancels: 202, later status requests 404, files deleted', async () => {
    const kick = await kickOff(t.app, '$export?_type=Patient');
    const statusUrl = kick.headers['content-location'];
    const done = await waitForStatus(t.app, statusUrl);
    const manifest = JSON.parse(done.text) as Manifest;
    const job = statusUrl.split('/').pop() as string;
    expect(existsSync(path.join(dir, 'bulk', job))).toBe(true);
    const del = await request(t.app).delete(pathOf(statusUrl));
    expect(del.status).toBe(202);
    expect((await request(t.app).get(pathOf(statusUrl))).status).toBe(404);
    expect((await request(t.app).get(pathOf(manifest.output[0].url))).status).toBe(404);
    expect(existsSync(path.join(dir, 'bulk', job))).toBe(false);
    expect((await request(t.app).delete(pathOf(statusUrl))).status).toBe(404);
  });
});
