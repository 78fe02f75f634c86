/**
 * The paging snapshot (snapshot.ts): ordered keys saved in chunks, read back by slices that cross chunk
 * boundaries; tokens are bound to their search; expired snapshots answer 410 and are swept.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { openEmbeddedStore } from '../../../server/storage/embedded/embedded-store.js';
import type { DocumentStore } from '../../../server/storage/document-collection.js';
import { FhirError } from '../../../server/fhir/outcomes.js';
import {
  CHUNK,
  readSnapshot,
  saveSnapshot,
  snapshotSlice,
  SNAPSHOT_COLLECTION,
  SNAPSHOT_TTL_MS,
} from '../../../server/fhir/search/snapshot.js';

let store: DocumentStore;
beforeAll(async () => {
  store = await openEmbeddedStore({ dataDir: null });
});
afterAll(async () => {
  await store.close();
});

const keys = Array.from({ length: 2 * CHUNK + 17 }, (_, i) => `Condition/c${i}`);

describe('search snapshots', () => {
  test('slices come back in order, across chunk boundaries and at the end', async () => {
    const sid = await saveSnapshot(store, 1000, 'Condition?#', keys);
    const head = await readSnapshot(store, 1000, sid, 'Condition?#');
    expect(head.total).toBe(keys.length);
    expect(head.chunks).toBe(3);
    expect(await snapshotSlice(store, head, 0, 3)).toEqual(keys.slice(0, 3));
    expect(await snapshotSlice(store, head, CHUNK - 2, 5)).toEqual(keys.slice(CHUNK - 2, CHUNK + 3));
    expect(await snapshotSlice(store, head, 2 * CHUNK + 10, 50)).toEqual(keys.slice(2 * CHUNK + 10));
    expect(await snapshotSlice(store, head, keys.length, 10)).toEqual([]);
  });

  test('a token of another search is a 400; an expired or unknown one a 410', async () => {
    const sid = await saveSnapshot(store, 1000, 'Patient?family=a#', ['Patient/1']);
    const status = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return 200;
      } catch (err) {
        return (err as FhirError).status;
      }
    };
    expect(await status(() => readSnapshot(store, 1000, sid, 'Patient?family=b#'))).toBe(400);
    expect(
      await status(() => readSnapshot(store, 1000 + SNAPSHOT_TTL_MS + 1, sid, 'Patient?family=a#')),
    ).toBe(410);
    expect(await status(() => readSnapshot(store, 1000, 'no-such-snapshot', 'Patient?family=a#'))).toBe(410);
    expect(await status(() => readSnapshot(store, 1000, '../../etc', 'Patient?family=a#'))).toBe(400);
  });

  test('expired snapshots are swept when a later one is saved', async () => {
    const coll = store.collection(SNAPSHOT_COLLECTION);
    const old = await saveSnapshot(store, 5000, 'X?#', ['X/1']);
    expect(await coll.findOne({ _id: old })).not.toBeNull();
    await saveSnapshot(store, 5000 + SNAPSHOT_TTL_MS + 120_000, 'X?#', ['X/2']);
    expect(await coll.findOne({ _id: old })).toBeNull();
    expect(await coll.findOne({ _id: `${old}:0` })).toBeNull();
  });
});
