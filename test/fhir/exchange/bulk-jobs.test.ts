/**
 * Bulk export jobs outlive the process that accepted them and their files expire (Bulk Data Access IG 2.0,
 * export.html#response---complete-status: files are available until the Expires time). Job state is in a
 * store collection: a restarted server resumes pending and interrupted jobs, and removes expired ones.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { BULK_JOBS, type BulkJob } from '../../../server/fhir/bulk/jobs.js';
import { TEST_BASE } from '../../helpers/test-app.js';
import { download, kickOff, pathOf, waitForStatus } from './bulk-helpers.js';
import { exchangeApp, postBundle, postEntry, bundleOf } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccm-bulkjobs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function seed(app: Awaited<ReturnType<typeof exchangeApp>>['app']): Promise<void> {
  const res = await postBundle(
    app,
    bundleOf(
      'transaction',
      [1, 2, 3].map((i) => postEntry({ resourceType: 'Patient', name: [{ family: `Restart${i}` }] })),
    ),
  );
  expect(res.status).toBe(200);
}

test('a job accepted before a restart is run by the restarted server', async () => {
  const first = await exchangeApp({ dataDir: dir }); // its runner is never started: the job stays pending
  await seed(first.app);
  const kick = await kickOff(first.app, '$export?_type=Patient');
  expect(kick.status).toBe(202);
  await first.close();

  const second = await exchangeApp({ dataDir: dir });
  try {
    second.bulk.start();
    const done = await waitForStatus(second.app, kick.headers['content-location']);
    expect(done.status).toBe(200);
    const manifest = JSON.parse(done.text) as { output: Array<{ type: string; url: string }> };
    const files = await download(second.app, manifest.output);
    expect(files.flatMap((f) => f.resources).length).toBe(3);
  } finally {
    await second.close();
  }
});

test('a job interrupted while running is run again from the start after a restart', async () => {
  const first = await exchangeApp({ dataDir: dir });
  await seed(first.app);
  const now = new Date().toISOString();
  const job: BulkJob = {
    _id: 'interrupted-job',
    state: 'running',
    level: 'system',
    types: ['Patient'],
    request: `${TEST_BASE}/$export?_type=Patient`,
    createdAt: now,
    transactionTime: now,
    leaseOwner: 'a-process-that-died',
    leaseUntil: new Date(Date.now() + 3600_000).toISOString(),
    progress: { done: 1, total: 3 },
  };
  await first.store.aux<BulkJob>(BULK_JOBS).insertOne(job);
  mkdirSync(path.join(dir, 'bulk', job._id), { recursive: true });
  writeFileSync(path.join(dir, 'bulk', job._id, 'Patient-1.ndjson'), '{"partial":\n');
  await first.close();

  const second = await exchangeApp({ dataDir: dir });
  try {
    second.bulk.start();
    const done = await waitForStatus(second.app, `${TEST_BASE}/bulk-status/${job._id}`);
    expect(done.status).toBe(200);
    const files = await download(second.app, JSON.parse(done.text).output);
    expect(files.flatMap((f) => f.resources).map((r) => r.resourceType)).toEqual([
      'Patient',
      'Patient',
      'Patient',
    ]);
  } finally {
    await second.close();
  }
});

test('after Expires the job and its files are removed; its status is 404', async () => {
  let now = Date.now();
  const t = await exchangeApp({ dataDir: dir, bulkExpirySeconds: 60, clock: () => new Date(now) });
  try {
    t.bulk.start();
    await seed(t.app);
    const kick = await kickOff(t.app, '$export');
    const done = await waitForStatus(t.app, kick.headers['content-location']);
    expect(done.status).toBe(200);
    expect(Date.parse(done.headers.expires)).toBe(Math.floor((now + 60_000) / 1000) * 1000);
    const job = String(kick.headers['content-location']).split('/').pop() as string;
    expect(existsSync(path.join(dir, 'bulk', job))).toBe(true);
    expect(await t.bulk.sweep()).toBe(0); // not expired yet
    now += 61_000;
    expect((await request(t.app).get(pathOf(kick.headers['content-location']))).status).toBe(404);
    expect(await t.bulk.sweep()).toBe(1);
    expect(existsSync(path.join(dir, 'bulk', job))).toBe(false);
    expect(await t.store.aux(BULK_JOBS).countDocuments({ _id: job })).toBe(0);
  } finally {
    await t.close();
  }
});
