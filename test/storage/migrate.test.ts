/**
 * npm run migrate on a real data directory of the engine before SQLite (test/fixtures/legacy-embedded/,
 * written by that engine: a snapshot, two journals to replay and a torn last record), through the function
 * and through the script; and the refusals: a damaged journal, a directory in use.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Condition, Patient } from 'fhir/r4.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { migrationSetup } from '../../server/storage/migrate/fhir-deps.js';
import { readLegacyDataDir } from '../../server/storage/migrate/legacy-reader.js';
import {
  MIGRATING_FILE,
  migrateDataDir,
  type MigrationReport,
} from '../../server/storage/migrate/migrate.js';
import { openStore } from '../../server/storage/open-store.js';
import {
  ALL,
  and,
  type ResourceRepository,
  type Storage,
  type Where,
} from '../../server/storage/repository.js';
import { DirLock } from '../../server/storage/sqlite/dir-lock.js';
import { contractRegistry } from './repository-contract.js';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, '../fixtures/legacy-embedded/data');
const REPO_ROOT = join(import.meta.dirname, '../..');
const BASE_URL = 'http://localhost:8080/fhir';
const OLD_FILES = ['journal-00000001.log', 'journal-00000002.log', 'snapshot-00000001.snap'];
/** The instant of the n-th write of the fixture (one second apart from 09:00:01). */
const at = (n: number) => new Date(Date.parse('2024-03-01T09:00:00.000Z') + n * 1000).toISOString();

let root: string;
const setup = migrationSetup(BASE_URL);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ccm-fhir-migrate-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A copy of the fixture in a new data directory. */
function copyFixture(name: string): string {
  const dir = join(root, name);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** The bytes of every file of `dir` by name. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, readFileSync(join(dir, n)).toString('base64')]),
  );
}

/** Runs `npm run migrate` (the script itself) on `dataDir`. */
async function runScript(dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: dataDir, BASE_URL, MONGODB_URI: '', NODE_OPTIONS: '' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('the reader rebuilds the collections as the old engine recovered them (torn tail ignored)', async () => {
  const data = await readLegacyDataDir(FIXTURE);
  expect(data.snapshot).toBe('snapshot-00000001.snap');
  expect(data.journals).toEqual(['journal-00000001.log', 'journal-00000002.log']);
  expect(data.tornBytes).toBe(61);
  const sizes = Object.fromEntries([...data.collections].map(([c, docs]) => [c, docs.size]));
  expect(sizes).toEqual({ Patient: 7, Condition: 9, history: 22, auth_keys: 1, conditional_keys: 1 });
  expect(data.collections.get('Patient')?.has('torn')).toBe(false);
});

test('the server refuses the old data directory and names npm run migrate', async () => {
  const dir = copyFixture('refused');
  await expect(openStore({ dataDir: dir })).rejects.toMatchObject({
    codeName: 'LegacyDataDir',
    message: expect.stringMatching(/journal-00000001\.log.*npm run migrate with the same DATA_DIR/s),
  });
});

describe('a migrated data directory', () => {
  let dir: string;
  let report: MigrationReport;
  let store: Storage;
  let repo: ResourceRepository;
  let files: string[];

  beforeAll(async () => {
    dir = copyFixture('migrated');
    report = await migrateDataDir({
      dataDir: dir,
      ...setup,
      now: () => new Date('2025-01-02T03:04:05.678Z'),
    });
    files = readdirSync(dir).sort();
    store = await openStore({ dataDir: dir });
    repo = store.repository(setup.deps);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  test('reports the counts it verified, and where the old files went', () => {
    expect(report).toMatchObject({
      status: 'migrated',
      database: join(dir, 'ccm-fhir.sqlite'),
      backupDir: join(dir, 'pre-sqlite-backup-2025-01-02T03-04-05Z'),
      moved: OLD_FILES,
      counts: {
        resources: { Patient: 7, Condition: 9 },
        history: { Patient: 8, Condition: 14 },
        aux: { auth_keys: 1, conditional_keys: 1 },
      },
      read: { records: 10, tornBytes: 61 },
    });
  });

  test('the old files are kept, unchanged, in the backup folder; nothing else is left behind', () => {
    expect(files).toEqual(['ccm-fhir.sqlite', 'pre-sqlite-backup-2025-01-02T03-04-05Z']);
    expect(contents(join(dir, 'pre-sqlite-backup-2025-01-02T03-04-05Z'))).toEqual(contents(FIXTURE));
  });

  test('current versions keep their vid, lu and body', async () => {
    const p1 = await repo.read('Patient', 'p1');
    expect(p1).toMatchObject({ _id: 'p1', vid: 2, lu: at(15) });
    const body = p1?.resource as Patient;
    expect(body).toMatchObject({ resourceType: 'Patient', id: 'p1', gender: 'other' });
    expect(body.meta).toEqual({ versionId: '2', lastUpdated: at(15) });
    expect(body.name?.[0].family).toBe('Testfamily1');
    const c1 = await repo.read('Condition', 'c1');
    expect(c1).toMatchObject({ vid: 3, lu: at(18) });
    expect((c1?.resource as Condition).clinicalStatus?.coding?.[0].code).toBe('active');
    const live = await repo.find('Patient', ALL, { fields: 'id', order: 'id' });
    expect(live.map((d) => `${d._id}/${d.vid}`)).toEqual([
      'p1/2',
      'p2/1',
      'p3/1',
      'p4/1',
      'p5/1',
      'p6/1',
      'p7/1',
    ]);
    expect(await repo.count('Condition', ALL)).toBe(8);
    expect(await repo.types()).toEqual(['Condition', 'Patient']);
  });

  test('older versions are readable (vread) with their own bodies and methods', async () => {
    const v1 = await repo.vread('Patient', 'p1', 1);
    expect(v1).toMatchObject({ vid: 1, lu: at(1), method: 'POST' });
    expect(v1?.resource).toMatchObject({ gender: 'female', meta: { versionId: '1', lastUpdated: at(1) } });
    const c1v2 = await repo.vread('Condition', 'c1', 2);
    expect((c1v2?.resource as Condition).clinicalStatus?.coding?.[0].code).toBe('resolved');
    const c9 = await repo.vread('Condition', 'c9', 1);
    expect(c9).toMatchObject({ method: 'POST', lu: at(20) });
    expect(c9?.resource).toMatchObject({ id: 'c9' });
  });

  test('a deleted resource is a tombstone; its versions before and after a recreation are there', async () => {
    expect(await repo.read('Condition', 'c2')).toEqual({ _id: 'c2', vid: 2, lu: at(17), deleted: true });
    expect(await repo.vread('Condition', 'c2', 2)).toMatchObject({
      deleted: true,
      method: 'DELETE',
      lu: at(17),
    });
    expect((await repo.vread('Condition', 'c2', 2))?.resource).toBeUndefined();
    expect((await repo.vread('Condition', 'c2', 1))?.resource).toMatchObject({ id: 'c2' });
    const c3 = await repo.history({ type: 'Condition', id: 'c3' });
    expect(c3.map((h) => [h.vid, h.method, h.deleted === true, h.resource !== undefined])).toEqual([
      [3, 'PUT', false, true],
      [2, 'DELETE', true, false],
      [1, 'POST', false, true],
    ]);
  });

  test('history counts and order are those of the old store', async () => {
    expect(await repo.historyCount({})).toBe(22);
    expect(await repo.historyCount({ type: 'Condition' })).toBe(14);
    const all = await repo.history({ order: 'oldest', withResource: false });
    expect(all.map((h) => h.lu)).toEqual(Array.from({ length: 22 }, (_, i) => at(i + 1)));
  });

  test('the index is rebuilt: a search by patient finds the conditions', async () => {
    const search = async (params: Array<[string, string]>) => {
      const ir = parseSearch(contractRegistry(), 'Condition', params, { strict: true, baseUrl: BASE_URL });
      const where = and(...(ir.clauses as Where[]));
      return (await repo.find('Condition', where, { fields: 'id', order: 'id' })).map((d) => d._id);
    };
    expect(await search([['patient', 'p2']])).toEqual(['c1', 'c4', 'c7']);
    expect(await search([['subject', 'Patient/p3']])).toEqual(['c5', 'c8']);
    expect(
      await search([
        ['clinical-status', 'active'],
        ['patient', 'p1'],
      ]),
    ).toEqual(['c3', 'c6']);
    const p1 = await repo.read('Condition', 'c3', { fields: 'all' });
    expect(p1?.comp).toEqual(['Patient/p1']);
  });

  test('the auxiliary documents are there as they were', async () => {
    expect(await store.aux('auth_keys').findOne({ _id: 'signing' })).toEqual({
      _id: 'signing',
      kid: 'fixture-kid-2',
      alg: 'ES256',
    });
    expect(await store.aux('conditional_keys').countDocuments({})).toBe(1);
  });

  test('a second run has nothing to migrate', async () => {
    await store.close();
    const again = await migrateDataDir({ dataDir: dir, ...setup });
    expect(again).toEqual({
      status: 'nothing',
      reason: expect.stringMatching(/already holds the SQLite database/),
    });
    store = await openStore({ dataDir: dir });
    repo = store.repository(setup.deps);
  });
});

test('npm run migrate converts the directory, then says there is nothing to migrate', async () => {
  const dir = copyFixture('script');
  const first = await runScript(dir);
  expect(first).toMatchObject({ code: 0 });
  expect(first.stdout).toMatch(
    /resources \(current versions incl\. deleted\): 16 \(Patient 7, Condition 9\)/,
  );
  expect(first.stdout).toMatch(/history entries: 22; auxiliary documents: 2/);
  expect(first.stdout).toMatch(/moved into .*pre-sqlite-backup-/);
  expect(existsSync(join(dir, 'ccm-fhir.sqlite'))).toBe(true);
  const store = await openStore({ dataDir: dir });
  try {
    expect(await store.repository(setup.deps).historyCount({})).toBe(22);
  } finally {
    await store.close();
  }
  const second = await runScript(dir);
  expect(second).toMatchObject({ code: 0, stdout: expect.stringMatching(/^nothing to migrate/) });
}, 120_000);

test('a damaged record in the older journal: exit 1, no database, old files untouched', async () => {
  const dir = copyFixture('damaged');
  const journal = join(dir, 'journal-00000001.log');
  const bytes = readFileSync(journal);
  bytes[Math.floor(bytes.length / 2)] ^= 0x20;
  writeFileSync(journal, bytes);
  const before = contents(dir);
  const r = await runScript(dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/migration failed: Damaged journal .*journal-00000001\.log.*a newer journal/);
  expect(contents(dir)).toEqual(before);
  expect(existsSync(join(dir, 'ccm-fhir.sqlite'))).toBe(false);
  expect(existsSync(join(dir, MIGRATING_FILE))).toBe(false);
}, 120_000);

test('a directory in use is refused, and a leftover build of a failed run is replaced', async () => {
  const dir = copyFixture('locked');
  const lock = await DirLock.acquire(dir, () => undefined);
  const before = contents(dir);
  try {
    await expect(migrateDataDir({ dataDir: dir, ...setup })).rejects.toMatchObject({
      codeName: 'DataDirLocked',
    });
    expect(contents(dir)).toEqual(before);
  } finally {
    await lock.release();
  }
  writeFileSync(join(dir, MIGRATING_FILE), 'half a database of an interrupted run');
  const report = await migrateDataDir({ dataDir: dir, ...setup });
  expect(report.status).toBe('migrated');
  expect(existsSync(join(dir, MIGRATING_FILE))).toBe(false);
}, 60_000);

test('damage the old engine refused is refused too: a bad record followed by intact ones, a bad snapshot', async () => {
  const newest = copyFixture('damaged-newest');
  const journal = join(newest, 'journal-00000002.log');
  const bytes = readFileSync(journal);
  bytes[20] ^= 0x01; // inside the first record's payload: later records are intact
  writeFileSync(journal, bytes);
  await expect(migrateDataDir({ dataDir: newest, ...setup })).rejects.toThrow(
    /Damaged journal .*journal-00000002\.log.*at byte offset 0.*an intact record follows it/s,
  );
  const snapshot = copyFixture('damaged-snapshot');
  const snap = join(snapshot, 'snapshot-00000001.snap');
  writeFileSync(snap, readFileSync(snap).subarray(0, 9000));
  const before = contents(snapshot);
  await expect(migrateDataDir({ dataDir: snapshot, ...setup })).rejects.toThrow(/Damaged snapshot/);
  expect(contents(snapshot)).toEqual(before);
  for (const dir of [newest, snapshot]) expect(existsSync(join(dir, MIGRATING_FILE))).toBe(false);
});
