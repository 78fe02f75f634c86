/**
 * Paging state is bounded (issue 14, finding 4 and acceptance 4): 1,000 distinct multi-page searches from
 * one client, half in the default order (key-set paging, no stored list) and half with a `_sort` that needs
 * a snapshot, on a SQLite store with a data directory. Reads write nothing to the store, and the
 * snapshot cache holds at most the configured number of snapshots per client (README: configuration).
 * An evicted snapshot answers 410 with an OperationOutcome on `_page`; key-set tokens never expire; another
 * client's snapshot survives the flood.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { DEFAULT_SNAPSHOT_LIMITS } from '../../../server/fhir/search/snapshot.js';
import type { SqliteStorage } from '../../../server/storage/sqlite/index.js';
import { makeSmartTestApp, mintToken, pathOf, request, type SmartTestApp } from '../../helpers/smart-app.js';

const SEARCHES = 1000;

let t: SmartTestApp;
let dataDir: string;
let flooder: string;
let other: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ccm-paging-'));
  t = await makeSmartTestApp({ dataDir });
  flooder = await mintToken(t.smart, 'user/*.rs', { clientId: 'test-confidential', sub: 'okonkwo' });
  other = await mintToken(t.smart, 'user/*.rs', { clientId: 'test-public', sub: 'lindqvist' });
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const get = (url: string, token: string) =>
  request(t.app).get(pathOf(url)).set('authorization', `Bearer ${token}`);

/** Runs a first page; returns its `next` link. */
async function firstPage(query: string, token: string): Promise<string> {
  const res = await get(`/fhir/${query}`, token);
  expect(res.status).toBe(200);
  const next = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
  expect(next).toBeDefined();
  return next as string;
}

describe('1,000 distinct multi-page searches from one client', () => {
  test('write nothing to the store and keep the snapshot cache within its per-client bound', async () => {
    // Writes are counted by the store itself: file sizes move when the WAL is checkpointed in the background.
    const writes = () => (t.store as SqliteStorage).jobs;
    // warm-up, once per store: the first search creates the paging secret (one small document) and clears
    // the collection where earlier versions kept snapshots
    const initial = writes();
    const otherNext = await firstPage('Condition?_count=2&_sort=code', other);
    await firstPage('Condition?_count=2', flooder);
    const before = writes();
    expect(before - initial).toBeLessThanOrEqual(2);
    const nexts: string[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const sorted = i % 2 === 0;
      const query = `Condition?_count=2&code:not=x${i}${sorted ? '&_sort=code' : ''}`;
      nexts.push(await firstPage(query, flooder));
    }
    // every search was a multi-page one; the second page of the latest ones is still served
    expect((await get(nexts[SEARCHES - 1], flooder)).status).toBe(200);
    expect((await get(nexts[SEARCHES - 2], flooder)).status).toBe(200);
    expect(writes() - before).toBe(0);
    // the cache holds the flooder's latest perClient snapshots and the other client's one
    const cache = t.services.paging.snapshots;
    expect(cache.limits).toEqual(DEFAULT_SNAPSHOT_LIMITS);
    expect(cache.limits).toEqual({ perClient: 10, max: 100, maxKeys: 500_000, ttlMs: 600_000 }); // README
    const stats = cache.stats();
    expect(stats.snapshots).toBe(cache.limits.perClient + 1);
    expect(stats.keys).toBeLessThanOrEqual(stats.snapshots * 14); // 14 Conditions in the demo practice

    // the earliest snapshot was evicted: a clear 410 on _page, never a 500
    const evicted = await get(nexts[0], flooder);
    expect(evicted.status).toBe(410);
    expect((evicted.body as OperationOutcome).issue[0].expression).toEqual(['_page']);
    // key-set tokens hold no state: the earliest default-order search pages on
    expect((await get(nexts[1], flooder)).status).toBe(200);
    // the flood evicted only the flooding client's own snapshots
    expect((await get(otherNext, other)).status).toBe(200);
  });
});
