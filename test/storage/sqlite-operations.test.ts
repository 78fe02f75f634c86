/**
 * Operations on a data directory: `npm run backup -- FILE` copies the database online (while the store is
 * open and writing) into a consistent file that opens and holds every write acknowledged before it;
 * `npm run check` reports a sound database and a damaged one; a data directory of the engine before SQLite
 * is refused at start with a clear message and left untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import type { Patient } from 'fhir/r4.js';
import { contractDeps } from './repository-contract.js';
import { openStore } from '../../server/storage/open-store.js';
import { DB_FILE, openSqliteStorage } from '../../server/storage/sqlite/index.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-ops-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const patient = (id: string): Patient => ({ resourceType: 'Patient', id, name: [{ family: id }] });
const npm = (script: string, args: string[], dataDir: string) =>
  spawnSync('node', ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });

test('backup while writing: the copy opens and holds every write acknowledged before the backup', async () => {
  const dir = join(root, 'live');
  const store = await openSqliteStorage({ dataDir: dir });
  const repo = store.repository(contractDeps());
  for (let i = 0; i < 200; i++) await repo.put('Patient', `b${i}`, patient(`b${i}`), { method: 'PUT' });
  let writing = true;
  let extra = 0;
  const writer = (async () => {
    while (writing) await repo.put('Patient', `x${extra++}`, patient('x'), { method: 'PUT' });
  })();
  const target = join(root, 'backup.sqlite');
  const out = npm('backup', [target], dir);
  writing = false;
  await writer;
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/backup of .* written to/);
  await store.close();

  const restored = join(root, 'restored');
  execFileSync('mkdir', ['-p', restored]);
  writeFileSync(join(restored, DB_FILE), readFileSync(target));
  const again = await openSqliteStorage({ dataDir: restored });
  try {
    const r2 = again.repository(contractDeps());
    const ids = new Set((await r2.find('Patient', { kind: 'all' }, { fields: 'id' })).map((d) => d._id));
    for (let i = 0; i < 200; i++) expect(ids.has(`b${i}`)).toBe(true);
    expect((await again.check()).ok).toBe(true);
  } finally {
    await again.close();
  }
  // a second backup into an existing file is refused rather than overwriting it
  const twice = npm('backup', [target], dir);
  expect(twice.status).toBe(1);
  expect(twice.stderr).toMatch(/exists already/);
}, 60_000);

test('check: sound, then damaged', async () => {
  const dir = join(root, 'checked');
  const store = await openSqliteStorage({ dataDir: dir });
  const repo = store.repository(contractDeps());
  for (let i = 0; i < 300; i++)
    await repo.put('Patient', `c${i}`, patient(`c${i}`.repeat(50)), { method: 'PUT' });
  await store.close();
  const ok = npm('check', [], dir);
  expect([ok.status, ok.stdout]).toEqual([0, expect.stringMatching(/the database is sound/)]);

  // overwrite a page in the middle of the file (not the header)
  const file = join(dir, DB_FILE);
  const size = readFileSync(file).length;
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
  closeSync(fd);
  const bad = npm('check', [], dir);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(/problem/);
}, 60_000);

test('a data directory of the engine before SQLite is refused with a clear message and left untouched', async () => {
  const dir = join(root, 'legacy');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'journal-3'), 'old journal');
  writeFileSync(join(dir, 'snapshot-3.snap'), 'old snapshot');
  const before = readdirSync(dir).sort();
  await expect(openStore({ dataDir: dir })).rejects.toMatchObject({
    codeName: 'LegacyDataDir',
    message: expect.stringMatching(/engine before SQLite.*journal-3.*Nothing was changed/s),
  });
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(readFileSync(join(dir, 'journal-3'), 'utf8')).toBe('old journal');
});
