/**
 * The embedded engine on a real full disk: a 1 MiB tmpfs (mounting needs root, as CI runs). Writes fill
 * it until one is refused with a StoreUnavailableError (ENOSPC); nothing of the refused write stays in the
 * journal; reads keep working; once a file is deleted the next write succeeds without a restart; a reopen
 * holds every acknowledged write and not the refused one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { StoreUnavailableError } from '../../server/storage/store-unavailable.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'ccm-tmpfs-'));
const dir = join(mountPoint, 'data');
const filler = join(mountPoint, 'filler');
let store: EmbeddedStore | null = null;

beforeAll(() => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
});

afterAll(async () => {
  await store?.close();
  execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

test('writes fill a real disk until one is refused; after space is freed the next write succeeds', async () => {
  writeFileSync(filler, Buffer.alloc(256 * 1024, 1));
  store = await openEmbeddedStore({ dataDir: dir });
  const c = store.collection('c');
  const acked: string[] = [];
  let refused: unknown = null;
  for (let i = 0; i < 1000 && refused === null; i++) {
    const id = `p${String(i).padStart(4, '0')}`;
    try {
      await c.insertOne({ _id: id, pad: 'z'.repeat(8000) });
      acked.push(id);
    } catch (err) {
      refused = err;
    }
  }
  expect(refused).toBeInstanceOf(StoreUnavailableError);
  expect((refused as StoreUnavailableError).cause).toMatchObject({ code: 'ENOSPC' });
  expect(acked.length).toBeGreaterThan(10);
  const journal = join(dir, 'journal-00000000.log');
  expect(statSync(journal).size).toBe(store.stats().journalBytes);
  expect(await c.countDocuments({})).toBe(acked.length);

  unlinkSync(filler);
  await store.ping();
  await c.insertOne({ _id: 'after', pad: 'z'.repeat(8000) });
  await store.close();
  store = await openEmbeddedStore({ dataDir: dir });
  const ids = (await store.collection('c').find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
  expect(ids).toEqual([...acked, 'after'].sort());
});
