/**
 * Bulk Data export jobs belong to the client that kicked them off (Bulk Data Access IG 2.0
 * export.html#security-considerations, #file-request): other clients get the unknown-job 404 on status,
 * DELETE and files; the same client without a scope reading every type gets 403.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { BULK_JOBS, type BulkJob } from '../../server/fhir/bulk/jobs.js';
import {
  makeSmartTestApp,
  mintToken,
  ORIGIN,
  pathOf,
  request,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { TEST_BASE } from '../helpers/test-app.js';
import { getNdjson, kickOff, waitForStatus } from '../fhir/exchange/bulk-helpers.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
});
afterAll(() => t.close());

const get = (path: string, token: string) => request(t.app).get(path).set('authorization', `Bearer ${token}`);
const del = (path: string, token: string) =>
  request(t.app).delete(path).set('authorization', `Bearer ${token}`);

describe('Bulk Data export jobs belong to the kick-off client (export.html#security-considerations)', () => {
  let owner: string; // demo-analyst, system/*.rs: kicks the job off
  let other: string; // demo-ehr, another Backend Services client, system/*.rs
  let narrowed: string; // demo-analyst again, but system/Patient.rs only
  let status: string; // the job's status path
  let files: string[]; // its file paths
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const start = (token: string) => kickOff(t.app, '$export?_type=Patient,Condition', auth(token));
  const poll = (statusPath: string, token: string) =>
    waitForStatus(t.app, `${ORIGIN}${statusPath}`, 20000, auth(token));
  const ndjson = (filePath: string, token: string) => getNdjson(t.app, `${ORIGIN}${filePath}`, auth(token));

  beforeAll(async () => {
    t.bulk.start();
    owner = await mintToken(t.smart, 'system/*.rs', { clientId: 'demo-analyst', sub: 'demo-analyst' });
    other = await mintToken(t.smart, 'system/*.rs', { clientId: 'demo-ehr', sub: 'demo-ehr' });
    narrowed = await mintToken(t.smart, 'system/Patient.rs', {
      clientId: 'demo-analyst',
      sub: 'demo-analyst',
    });
    const kick = await start(owner);
    expect(kick.status).toBe(202);
    status = pathOf(kick.headers['content-location']);
    const done = await poll(status, owner);
    expect(done.status).toBe(200);
    files = (JSON.parse(done.text) as { output: Array<{ url: string }> }).output.map((o) => pathOf(o.url));
    expect(files.length).toBe(2);
  });
  afterAll(async () => {
    const dir = t.bulk.jobDir('x');
    await t.bulk.stop();
    rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });

  test('the job records the client and subject of the kick-off token', async () => {
    const id = status.split('/').pop() as string;
    const job = await t.store.aux<BulkJob>(BULK_JOBS).findOne({ _id: id });
    expect(job?.clientId).toBe('demo-analyst');
    expect(job?.subject).toBe('demo-analyst');
  });

  test('another client (system/*.rs, or a patient token) gets the 404 of an unknown job on status, DELETE and files', async () => {
    const unknown = await get('/fhir/bulk-status/00000000-0000-4000-8000-000000000000', other);
    expect(unknown.status).toBe(404);
    const id = status.split('/').pop() as string;
    const unknownDiagnostics = (unknown.body.issue[0].diagnostics as string).replace(
      '00000000-0000-4000-8000-000000000000',
      id,
    );
    // A patient token of another client (patient/*.rs for demo-patient-1).
    const own = await mintToken(t.smart, 'patient/*.rs', { patient: 'demo-patient-1' });
    for (const token of [other, own]) {
      const replies = [
        await get(status, token).set('accept', 'application/json'),
        await del(status, token),
        ...(await Promise.all(files.map((f) => get(f, token)))),
      ];
      for (const res of replies) {
        expect(res.status).toBe(404);
        expect(res.body.resourceType).toBe('OperationOutcome');
        expect(res.body.issue).toEqual([{ ...unknown.body.issue[0], diagnostics: unknownDiagnostics }]);
      }
    }
    const job = await t.store.aux<BulkJob>(BULK_JOBS).findOne({ _id: id });
    expect(job?.state).toBe('complete');
  });

  test('the owning client with a token that no longer reads every type gets 403 OperationOutcome', async () => {
    const replies = [
      await get(status, narrowed).set('accept', 'application/json'),
      await del(status, narrowed),
      await get(files[0], narrowed),
    ];
    for (const res of replies) {
      expect(res.status).toBe(403);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="system\/\*\.rs"/);
    }
  });

  test('the owning client still gets the manifest and the files; refused DELETEs left the job intact', async () => {
    const res = await get(status, owner).set('accept', 'application/json');
    expect(res.status).toBe(200);
    const manifest = JSON.parse(res.text) as {
      requiresAccessToken: boolean;
      output: Array<{ type: string; url: string; count: number }>;
    };
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.output.map((o) => pathOf(o.url))).toEqual(files);
    expect(manifest.output.map((o) => o.type).sort()).toEqual(['Condition', 'Patient']);
    for (const item of manifest.output) {
      const file = await ndjson(pathOf(item.url), owner);
      expect(file.status).toBe(200);
      const resources = String(file.body)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Resource);
      expect(item.count).toBeGreaterThan(0);
      expect(resources).toHaveLength(item.count);
      expect(resources.every((r) => r.resourceType === item.type)).toBe(true);
    }
  });

  test('the owning client can cancel: 202, then its status is 404 too', async () => {
    const kick = await start(owner);
    const mine = pathOf(kick.headers['content-location']);
    expect((await poll(mine, owner)).status).toBe(200);
    expect((await del(mine, owner)).status).toBe(202);
    expect((await get(mine, owner)).status).toBe(404);
  });

  test('a job without a client (recorded before jobs were tied to clients) is served to any token', async () => {
    const now = new Date().toISOString();
    const job: BulkJob = {
      _id: 'legacy-job',
      state: 'complete',
      level: 'system',
      request: `${TEST_BASE}/$export`,
      createdAt: now,
      transactionTime: now,
      completedAt: now,
      output: [],
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    };
    await t.store.aux<BulkJob>(BULK_JOBS).insertOne(job);
    const res = await get('/fhir/bulk-status/legacy-job', other).set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).request).toBe(`${TEST_BASE}/$export`);
  });
});
