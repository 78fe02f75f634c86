/**
 * Reindex jobs and the index state outlive the process (same DATA_DIR): a registration and a job accepted
 * before a restart are there after it, a job interrupted mid-type resumes after its last committed chunk,
 * activation survives; a cancelled job stops at its next chunk and leaves its parameters pending.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import type { Parameters, Resource } from 'fhir/r4.js';
import request from 'supertest';
import { REINDEX_JOBS, type ReindexJob } from '../../../server/fhir/reindex/jobs.js';
import type { Storage } from '../../../server/storage/repository.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import {
  kickReindex,
  maidenNameParam,
  matchIds,
  pathOf,
  patient,
  post,
  reportTypes,
  search,
  waitForJob,
  warnings,
} from './reindex-helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccm-reindex-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** An app on the test's data directory; chunks of one resource each (a budget of 0 ms). */
const open = () =>
  makeTestApp({
    dataDir: dir,
    reindexSettings: { pollMs: 50, leaseMs: 30_000, expiryMs: 3600_000, budgetMs: 0 },
  });

/** Writes `n` patients straight into the store (concurrently: they share commits); every third is a Smith. */
async function seed(t: TestApp, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `s${String(i).padStart(3, '0')}`);
  await Promise.all(
    ids.map((id, i) =>
      t.services.resources.put('Patient', id, patient(id, i % 3 === 0 ? 'Smith' : 'Jones') as Resource, {
        method: 'PUT',
      }),
    ),
  );
  return ids.filter((_, i) => i % 3 === 0);
}

/**
 * Holds the runner before its `n`-th transaction (a chunk): resolves `reached` there, and lets it go on
 * when `release` is called. Nothing is held open meanwhile (the hold is before the transaction starts).
 */
function holdAt(store: Storage, n: number): { reached: Promise<void>; release: () => void } {
  const real = store.transaction.bind(store);
  let count = 0;
  let release = () => undefined as void;
  let arrive = () => undefined as void;
  const gate = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrive = r));
  store.transaction = (async (fn) => {
    if (++count === n) {
      arrive();
      await gate;
    }
    return real(fn);
  }) as Storage['transaction'];
  return { reached, release };
}

const jobDoc = (t: TestApp, id: string) => t.store.aux<ReindexJob>(REINDEX_JOBS).findOne({ _id: id });
const jobId = (url: string) => url.split('/').pop() as string;

test('registration, a job interrupted mid-type and activation survive restarts; the job resumes at its cursor', async () => {
  const first = await open();
  let statusUrl: string;
  let smiths: string[];
  try {
    smiths = await seed(first, 30);
    expect((await post(first.app, 'SearchParameter', maidenNameParam())).status).toBe(201);
    statusUrl = String((await kickReindex(first.app, 'Patient/$reindex')).headers['content-location']);
    // chunks 1 to 3 commit, the runner is held before chunk 4, asked to stop, and chunk 4 still commits
    const hold = holdAt(first.services.store, 4);
    first.reindex.start();
    await hold.reached;
    const stopping = first.reindex.stop();
    hold.release();
    await stopping;
  } finally {
    await first.close();
  }

  const second = await open();
  try {
    expect(warnings(await search(second.app, 'Patient?mothers-maiden-name=smith'))[0]).toMatch(/is pending/);
    const job = await jobDoc(second, jobId(statusUrl));
    expect(job?.state).toBe('pending');
    expect(job?.progress.Patient).toMatchObject({ state: 'running', done: 4, total: 30, after: 's003' });
    const waiting = await request(second.app).get(pathOf(statusUrl));
    expect([waiting.status, waiting.headers['x-progress']]).toEqual([202, 'queued']);
    second.reindex.start();
    const done = await waitForJob(second.app, statusUrl);
    expect(done.status).toBe(200);
    expect(reportTypes(done.body as Parameters).Patient).toEqual({
      state: 'complete',
      indexed: 30,
      total: 30,
      activated: ['mothers-maiden-name'],
    });
    expect(second.reindex.chunks).toBe(26); // s004 … s029: the 26 resources after the cursor, one per chunk
  } finally {
    await second.close();
  }

  const third = await open();
  try {
    const b = await search(third.app, 'Patient?mothers-maiden-name=smith&_count=100', {
      prefer: 'handling=strict',
    });
    expect(matchIds(b)).toEqual(smiths);
  } finally {
    await third.close();
  }
});

test('a job left running by a process that died is taken over at its cursor', async () => {
  const first = await open();
  let statusUrl: string;
  try {
    await seed(first, 12);
    expect((await post(first.app, 'SearchParameter', maidenNameParam())).status).toBe(201);
    statusUrl = String((await kickReindex(first.app)).headers['content-location']);
    const hold = holdAt(first.services.store, 3);
    first.reindex.start();
    await hold.reached;
    const stopping = first.reindex.stop();
    hold.release();
    await stopping;
    // as a crash would leave it: running, leased by a process that is gone
    await first.store.aux<ReindexJob>(REINDEX_JOBS).updateOne(
      { _id: jobId(statusUrl) },
      {
        $set: {
          state: 'running',
          leaseOwner: 'a-process-that-died',
          leaseUntil: new Date(Date.now() + 3600_000).toISOString(),
        },
      },
    );
  } finally {
    await first.close();
  }
  const second = await open();
  try {
    second.reindex.start();
    const done = await waitForJob(second.app, statusUrl);
    expect(done.status).toBe(200);
    expect(second.reindex.chunks).toBe(9); // 3 of 12 were done before the "crash"
    expect(
      matchIds(await search(second.app, 'Patient?mothers-maiden-name=smith', { prefer: 'handling=strict' })),
    ).toEqual(['s000', 's003', 's006', 's009']);
  } finally {
    await second.close();
  }
});

test('DELETE on the status URL cancels a running job at its next chunk; its parameters stay pending', async () => {
  const t = await open();
  try {
    await seed(t, 20);
    expect((await post(t.app, 'SearchParameter', maidenNameParam())).status).toBe(201);
    const statusUrl = String((await kickReindex(t.app)).headers['content-location']);
    const hold = holdAt(t.services.store, 3); // chunks 1 and 2 commit; held before chunk 3
    t.reindex.start();
    await hold.reached;
    const cancel = await request(t.app).delete(pathOf(statusUrl));
    expect(cancel.status).toBe(202);
    hold.release();
    await t.reindex.stop();
    const job = await jobDoc(t, jobId(statusUrl));
    expect(job?.state).toBe('cancelled');
    expect(job?.progress.Patient.done).toBe(2); // chunk 3 was rolled back with the job's cursor
    expect((await request(t.app).get(pathOf(statusUrl))).status).toBe(404);
    expect((await request(t.app).delete(pathOf(statusUrl))).status).toBe(404);
    expect(warnings(await search(t.app, 'Patient?mothers-maiden-name=smith'))[0]).toMatch(
      /it answers once a \$reindex of Patient completes/,
    );
    // a new job does it all
    t.reindex.start();
    const again = await kickReindex(t.app);
    expect((await waitForJob(t.app, String(again.headers['content-location']))).status).toBe(200);
    const found = await search(t.app, 'Patient?mothers-maiden-name=smith', { prefer: 'handling=strict' });
    expect(matchIds(found)).toEqual(['s000', 's003', 's006', 's009', 's012', 's015', 's018']);
  } finally {
    await t.close();
  }
});

test('a job cancelled before it ran is never run', async () => {
  const t = await open();
  try {
    await seed(t, 3);
    expect((await post(t.app, 'SearchParameter', maidenNameParam())).status).toBe(201);
    const statusUrl = String((await kickReindex(t.app)).headers['content-location']);
    expect((await request(t.app).delete(pathOf(statusUrl))).status).toBe(202);
    t.reindex.start();
    await t.reindex.stop();
    expect(t.reindex.chunks).toBe(0);
    expect(await jobDoc(t, jobId(statusUrl))).toBeNull(); // a cancelled job expires at once and is swept
    expect(warnings(await search(t.app, 'Patient?mothers-maiden-name=smith'))[0]).toMatch(/is pending/);
  } finally {
    await t.close();
  }
});
