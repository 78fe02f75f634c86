/** The repository contract on the SQLite engine, ephemeral and in a real data directory. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import type { Resource } from 'fhir/r4.js';
import type { Matcher } from '../../server/fhir/search/ir.js';
import { ALL, VersionConflict, type Where } from '../../server/storage/repository.js';
import { DB_FILE, openSqliteStorage, StoreCorruptError } from '../../server/storage/sqlite/index.js';
import { StoreUnavailableError } from '../../server/storage/store-unavailable.js';
import { contractDeps, registerRepositoryContract } from './repository-contract.js';
import { rewriteAsLegacyLayout } from './sqlite-legacy-layout.js';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}

registerRepositoryContract('sqlite (ephemeral)', () => openSqliteStorage({ dataDir: null }));

registerRepositoryContract('sqlite (data directory)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccm-sqlite-contract-'));
  const storage = await openSqliteStorage({ dataDir: dir });
  const close = storage.close.bind(storage);
  storage.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  return storage;
});

describe('sqlite engine', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ccm-sqlite-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const patient = (id: string): Resource =>
    ({ resourceType: 'Patient', id, name: [{ family: `F${id}` }] }) as Resource;

  test('concurrent writes share commits (group commit) and are all acknowledged', async () => {
    const storage = await openSqliteStorage({ dataDir: await freshDir() });
    const repo = storage.repository(contractDeps());
    const before = storage.commits;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        repo.put('Patient', `g${i}`, patient(`g${i}`), { method: 'PUT' }),
      ),
    );
    const commits = storage.commits - before;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(200);
    expect(await repo.count('Patient', ALL)).toBe(200);
    await storage.close();
  });

  test('a write queued in the next turn of the event loop joins the group still open and shares its commit', async () => {
    const storage = await openSqliteStorage({ dataDir: await freshDir() });
    const repo = storage.repository(contractDeps());
    await repo.put('Patient', 'warm', patient('warm'), { method: 'PUT' });
    const before = storage.commits;
    let second: Promise<unknown> | undefined;
    await storage.transaction(async (tx) => {
      await repo.put('Patient', 'first', patient('first'), { method: 'PUT', tx });
      // queued by another request after this job has finished, before the group commits
      setImmediate(() => {
        second = repo.put('Patient', 'second', patient('second'), { method: 'PUT' });
      });
    });
    await second;
    expect(storage.commits - before).toBe(1);
    expect((await repo.read('Patient', 'second'))?.vid).toBe(1);
    await storage.close();
  });

  test('a store of schema version 1 opens upgraded: partial indexes, its data kept and searchable', async () => {
    const dir = await freshDir();
    const first = await openSqliteStorage({ dataDir: dir });
    const repo1 = first.repository(contractDeps());
    await repo1.put('Patient', 'v1-a', patient('v1-a'), { method: 'PUT' });
    await first.close();
    // the layout of version 1: full indexes where version 2 has partial ones
    const db = new Database(join(dir, DB_FILE));
    rewriteAsLegacyLayout(db, 1);
    expect(
      (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'ix_token_1'`).get() as { sql: string }).sql,
    ).not.toMatch(/WHERE/);
    db.close();
    const warnings: string[] = [];
    const storage = await openSqliteStorage({ dataDir: dir, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/from schema version 1 to 3/);
    const repo = storage.repository(contractDeps());
    expect((await repo.read('Patient', 'v1-a'))?.vid).toBe(1);
    await repo.put('Patient', 'v1-b', patient('v1-b'), { method: 'PUT' });
    expect(await repo.count('Patient', ALL)).toBe(2);
    await storage.close();
    const check = new Database(join(dir, DB_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    const sql = (name: string) =>
      (check.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    expect(sql('ix_token_1')).toMatch(/WHERE "t" IS NOT NULL$/);
    expect(sql('ix_reference_1')).toMatch(/WHERE "iv" IS NOT NULL$/);
    expect(sql('ix_quantity_1')).toMatch(/WHERE "n" IS NOT NULL$/);
    expect(sql('ix_token_0')).not.toMatch(/WHERE/);
    check.close();
  });

  test('a store of schema version 2 opens upgraded: resources and history become rowid tables, data and versions kept', async () => {
    const dir = await freshDir();
    const first = await openSqliteStorage({ dataDir: dir });
    const repo1 = first.repository(contractDeps());
    await repo1.put('Patient', 'v2-a', patient('v2-a'), { method: 'PUT' });
    await repo1.put('Patient', 'v2-a', { ...patient('v2-a'), gender: 'female' } as Resource, {
      method: 'PUT',
    });
    await repo1.put('Patient', 'v2-b', patient('v2-b'), { method: 'PUT' });
    await repo1.delete('Patient', 'v2-b');
    const obs = {
      resourceType: 'Observation',
      id: 'v2-o',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '1234-5' }] },
      subject: { reference: 'Patient/v2-a' },
    } as Resource;
    await repo1.put('Observation', 'v2-o', obs, { method: 'PUT' });
    await first.close();
    // the layout of version 2: both tables WITHOUT ROWID, clustered on their key; index rows by (type, id)
    const db = new Database(join(dir, DB_FILE));
    rewriteAsLegacyLayout(db, 2);
    db.close();
    const warnings: string[] = [];
    const storage = await openSqliteStorage({ dataDir: dir, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/from schema version 2 to 3/);
    const repo = storage.repository(contractDeps());
    expect(await repo.read('Patient', 'v2-a')).toMatchObject({ vid: 2, resource: { gender: 'female' } });
    expect(await repo.read('Patient', 'v2-b')).toMatchObject({ vid: 2, deleted: true });
    expect((await repo.history({ type: 'Patient' })).map((h) => [h.rid, h.vid])).toEqual([
      ['v2-b', 2],
      ['v2-b', 1],
      ['v2-a', 2],
      ['v2-a', 1],
    ]);
    expect((await repo.vread('Patient', 'v2-a', 1))?.resource).toMatchObject({ id: 'v2-a' });
    expect(await repo.count('Patient', { kind: 'id', name: '_id', ids: ['v2-a'] })).toBe(1);
    // index rows and compartments follow their resources into the new layout
    const byFamily: Where = {
      kind: 'match',
      name: 'family',
      code: 'family',
      not: false,
      anyOf: [{ type: 'string', mode: 'exact', value: 'Fv2-a' }],
    };
    expect((await repo.find('Patient', byFamily, { fields: 'id' })).map((d) => d._id)).toEqual(['v2-a']);
    const byCode: Where = {
      kind: 'match',
      name: 'code',
      code: 'code',
      not: false,
      anyOf: [{ type: 'token', system: 'http://loinc.org', code: '1234-5' }],
    };
    const inComp: Where = { kind: 'compartment', name: 'patient', compartment: 'Patient/v2-a' };
    for (const w of [byCode, inComp, { kind: 'and', of: [inComp, byCode] } as Where]) {
      expect((await repo.find('Observation', w, { fields: 'id' })).map((d) => d._id)).toEqual(['v2-o']);
    }
    // the key is still unique: a create of a taken id (a tombstone's too) conflicts
    const taken = await rejection(
      repo.put('Patient', 'v2-b', patient('v2-b'), { method: 'POST', mustNotExist: true }),
    );
    expect(taken).toBeInstanceOf(VersionConflict);
    await repo.put('Patient', 'v2-c', patient('v2-c'), { method: 'PUT' });
    expect(await repo.count('Patient', ALL)).toBe(2);
    // an update replaces the resource's index rows (found by its rk)
    await repo.put('Observation', 'v2-o', { ...obs, code: { text: 'x' } } as Resource, { method: 'PUT' });
    expect(await repo.find('Observation', byCode, { fields: 'id' })).toEqual([]);
    // an update replaces the resource's index rows (found by its rk)
    await repo.put('Observation', 'v2-o', { ...obs, code: { text: 'x' } } as Resource, { method: 'PUT' });
    expect(await repo.find('Observation', byCode, { fields: 'id' })).toEqual([]);
    await storage.close();
    const check = new Database(join(dir, DB_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    const sql = (name: string) =>
      (check.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    expect(sql('resources')).not.toMatch(/WITHOUT ROWID/);
    expect(sql('history')).not.toMatch(/WITHOUT ROWID/);
    expect(sql('resources_type_id')).toMatch(/^CREATE UNIQUE INDEX/);
    expect(sql('history_type_id_vid')).toMatch(/^CREATE UNIQUE INDEX/);
    expect(sql('resources_type_lu')).toBeDefined();
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  test('no index rows for _lastUpdated (the row itself) nor for union parameters (their members have them)', async () => {
    const dir = await freshDir();
    const storage = await openSqliteStorage({ dataDir: dir });
    const repo = storage.repository(contractDeps());
    const bp = {
      resourceType: 'Observation',
      id: 'bp',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 107, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
      ],
    } as Resource;
    const written = await repo.put('Observation', 'bp', bp, { method: 'PUT' });
    // the stored search index keeps every parameter
    expect(written.doc.sp?.['combo-code']).toHaveLength(2);
    expect(written.doc.sp?._lastUpdated).toHaveLength(1);
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    const params = (table: string) =>
      (db.prepare(`SELECT DISTINCT param FROM ${table}`).all() as Array<{ param: string }>)
        .map((r) => r.param)
        .sort();
    expect(params('ix_token')).toEqual(['code', 'component-code', 'status']);
    expect(params('ix_json')).toEqual(['component-code-value-quantity']);
    expect(params('ix_date')).toEqual([]);
    db.close();
    const match = (code: string, anyOf: Matcher[]): Where => ({
      kind: 'match',
      name: code,
      code,
      not: false,
      anyOf,
    });
    const ids = async (w: Where) => (await repo.find('Observation', w, { fields: 'id' })).map((d) => d._id);
    expect(await ids(match('combo-code', [{ type: 'token', code: '8480-6' }]))).toEqual(['bp']);
    expect(await ids(match('combo-code', [{ type: 'token', code: '85354-9' }]))).toEqual(['bp']);
    const when = Date.parse(written.doc.lu);
    expect(await ids(match('_lastUpdated', [{ type: 'date', prefix: 'eq', lo: when, hi: when }]))).toEqual([
      'bp',
    ]);
    expect(await ids(match('_lastUpdated', [{ type: 'date', prefix: 'gt', lo: when, hi: when }]))).toEqual(
      [],
    );
    await storage.close();
  });

  test('writes survive close and reopen; the lock refuses a second open of the same directory', async () => {
    const dir = await freshDir();
    const storage = await openSqliteStorage({ dataDir: dir });
    const repo = storage.repository(contractDeps());
    await repo.put('Patient', 'dur-1', patient('dur-1'), { method: 'PUT' });
    await storage.aux('things').insertOne({ _id: 'x', n: 1 });
    const second = await rejection(openSqliteStorage({ dataDir: dir }));
    expect(second).toMatchObject({ codeName: 'DataDirLocked' });
    await storage.close();
    const again = await openSqliteStorage({ dataDir: dir });
    const repo2 = again.repository(contractDeps());
    expect((await repo2.read('Patient', 'dur-1'))?.vid).toBe(1);
    expect(await again.aux('things').findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 1 });
    expect(await repo2.history({ type: 'Patient' })).toHaveLength(1);
    await again.close();
  });

  test('an online backup opens as a store with the same data', async () => {
    const storage = await openSqliteStorage({ dataDir: await freshDir() });
    const repo = storage.repository(contractDeps());
    for (let i = 0; i < 50; i++) await repo.put('Patient', `b${i}`, patient(`b${i}`), { method: 'PUT' });
    const target = await freshDir();
    const writes = Promise.all(
      Array.from({ length: 20 }, (_, i) => repo.put('Patient', `b${i}`, patient(`b${i}`), { method: 'PUT' })),
    );
    await storage.backup(join(target, DB_FILE));
    await writes;
    await storage.close();
    const copy = await openSqliteStorage({ dataDir: target });
    const repo2 = copy.repository(contractDeps());
    expect(await repo2.count('Patient', ALL)).toBe(50);
    expect((await repo2.read('Patient', 'b7'))?.resource?.id).toBe('b7');
    expect(await copy.check()).toEqual({ ok: true, problems: [] });
    await copy.close();
  });

  test('a file that is not a database is refused and left byte-identical', async () => {
    const dir = await freshDir();
    const file = join(dir, DB_FILE);
    await writeFile(file, Buffer.from('this is not a SQLite database, not at all'.repeat(200)));
    const before = await readFile(file);
    const err = await rejection(openSqliteStorage({ dataDir: dir }));
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect(err).toMatchObject({ codeName: 'StoreCorrupt' });
    expect((err as Error).message).toContain(file);
    expect((await readFile(file)).equals(before)).toBe(true);
    // the lock was released: a repaired directory opens
    await rm(file);
    const storage = await openSqliteStorage({ dataDir: dir });
    await storage.close();
  });

  test('the integrity check is ok on a sound file and reports a damaged one', async () => {
    const dir = await freshDir();
    const storage = await openSqliteStorage({ dataDir: dir });
    const repo = storage.repository(contractDeps());
    for (let i = 0; i < 300; i++) await repo.put('Patient', `i${i}`, patient(`i${i}`), { method: 'PUT' });
    expect(await storage.check()).toEqual({ ok: true, problems: [] });
    await storage.close();
    const file = join(dir, DB_FILE);
    const bytes = await readFile(file);
    const page = 4096;
    const at = bytes.length - 4 * page;
    bytes.fill(0x5a, at, at + page);
    await writeFile(file, bytes);
    let result: { ok: boolean; problems: string[] };
    try {
      const damaged = await openSqliteStorage({ dataDir: dir });
      result = await damaged.check();
      await damaged.close();
    } catch (err) {
      // damage the open itself reads is refused outright
      expect(err).toBeInstanceOf(StoreCorruptError);
      return;
    }
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
  });

  test('a full database refuses writes with StoreUnavailableError and takes them again once there is room', async () => {
    const storage = await openSqliteStorage({ dataDir: await freshDir() });
    const repo = storage.repository(contractDeps());
    await repo.put('Patient', 'full-0', patient('full-0'), { method: 'PUT' });
    const normal = storage.maxPageCount();
    storage.maxPageCount(storage.pageCount());
    const big = {
      ...patient('full-1'),
      text: { status: 'generated', div: `<div>${'x'.repeat(200_000)}</div>` },
    } as Resource;
    const results = await Promise.allSettled([
      repo.put('Patient', 'full-1', big, { method: 'PUT' }),
      repo.put('Patient', 'full-2', big, { method: 'PUT' }),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    expect(await repo.read('Patient', 'full-1')).toBeNull();
    storage.maxPageCount(normal);
    await repo.put('Patient', 'full-1', big, { method: 'PUT' });
    expect((await repo.read('Patient', 'full-1'))?.vid).toBe(1);
    expect(await storage.check()).toEqual({ ok: true, problems: [] });
    await storage.close();
  });

  test('a transaction started inside a transaction fails clearly instead of waiting forever', async () => {
    const storage = await openSqliteStorage({ dataDir: null });
    const repo = storage.repository(contractDeps());
    const err = await rejection(
      storage.transaction(async () => {
        await repo.put('Patient', 'nest-1', patient('nest-1'), { method: 'PUT' });
      }),
    );
    expect((err as Error).message).toMatch(/inside a transaction/);
    await storage.close();
  });

  test('long reads come back whole, in chunks, in id order', async () => {
    const storage = await openSqliteStorage({ dataDir: null });
    const repo = storage.repository(contractDeps());
    await storage.transaction(async (tx) => {
      for (let i = 0; i < 1300; i++)
        await repo.put('Patient', `l${String(i).padStart(4, '0')}`, patient(`l${i}`), { method: 'PUT', tx });
    });
    const all = await repo.find('Patient', ALL, { fields: 'id' });
    expect(all).toHaveLength(1300);
    const desc = await repo.find('Patient', ALL, { fields: 'id', order: '-id', limit: 1100 });
    expect(desc).toHaveLength(1100);
    expect(desc[0]._id).toBe('l1299');
    expect(desc.map((d) => d._id)).toEqual([...desc.map((d) => d._id)].sort().reverse());
    expect(await repo.count('Patient', ALL)).toBe(1300);
    expect(await repo.history({ type: 'Patient' })).toHaveLength(1300);
    await storage.close();
  });

  test('plans: a reference search and a key-set page do not scan the type', async () => {
    const storage = await openSqliteStorage({ dataDir: null });
    const repo = storage.repository(contractDeps());
    await storage.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) {
        const c = {
          resourceType: 'Condition',
          id: `cond-${i}`,
          subject: { reference: `Patient/p${i % 300}` },
          code: { coding: [{ system: 'http://snomed.info/sct', code: String(1000 + (i % 50)) }] },
        } as Resource;
        await repo.put('Condition', c.id as string, c, { method: 'PUT', tx });
      }
    });
    const refs: Where = { kind: 'refs', name: 'patient', code: 'patient', refs: ['Patient/p7'] };
    const byPatient = await repo.explain('Condition', refs);
    expect(byPatient.scansType).toBe(false);
    expect(byPatient.indexes.some((i) => i.startsWith('ix_reference'))).toBe(true);
    expect(await repo.count('Condition', refs)).toBe(10);

    const page = await repo.explain('Condition', ALL, { order: 'id', limit: 20 });
    expect(page.scansType).toBe(false);
    const next = await repo.explain(
      'Condition',
      { kind: 'id-range', op: 'gt', id: 'cond-2000' },
      { order: 'id', limit: 20 },
    );
    expect(next.scansType).toBe(false);
    const code: Where = {
      kind: 'match',
      name: 'code',
      code: 'code',
      not: false,
      anyOf: [{ type: 'token', system: 'http://snomed.info/sct', code: '1007' }],
    };
    expect((await repo.explain('Condition', code)).scansType).toBe(false);
    // a query that must read every Condition says so
    const missing: Where = { kind: 'missing', name: 'onset-date:missing', code: 'onset-date', missing: true };
    expect((await repo.explain('Condition', missing)).scansType).toBe(true);
    await storage.close();
  });
});
