/**
 * Paging state is bounded (issue 14, finding 4 and acceptance 4): 1,000 distinct multi-page searches from
 * one client, half in the default order (key-set paging, no stored list) and half with a `_sort` that needs
 * a snapshot, on an embedded store with a data directory. Reads write nothing to the data directory, and the
 * snapshot cache holds at most the configured number of snapshots per client (README: configuration).
 * An evicted snapshot answers 410 with an OperationOutcome on `_page`; key-set tokens never expire; another
 * client's snapshot survives the flood.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { DEFAULT_SNAPSHOT_LIMITS } from '../../../server/fhir/search/snapshot.js';
import { makeSmartTestApp, mintToken, pathOf, request, type SmartTestApp } from '../../helpers/smart-app.js';

const SEARCHES = 1000;

/** Bytes of every file under `dir`. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

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
  test('leave the data directory unchanged and the snapshot cache within its per-client bound', async () => {
    // warm-up: the first search of a store creates the paging secret (one small document, once: at most two
    // 4 KB pages, each with its 24-byte frame header, appended to the SQLite write-ahead log)
    const initial = bytesUnder(dataDir);
    const otherNext = await firstPage('Condition?_count=2&_sort=code', other);
    await firstPage('Condition?_count=2', flooder);
    const before = bytesUnder(dataDir);
    expect(before - initial).toBeLessThanOrEqual(2 * (4096 + 24));
    const nexts: string[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const sorted = i % 2 === 0;
      const query = `Condition?_count=2&code:not=x${i}${sorted ? '&_sort=code' : ''}`;
      nexts.push(await firstPage(query, flooder));
    }
    // every search was a multi-page one; the second page of the latest ones is still served
    expect((await get(nexts[SEARCHES - 1], flooder)).status).toBe(200);
    expect((await get(nexts[SEARCHES - 2], flooder)).status).toBe(200);
    expect(bytesUnder(dataDir) - before).toBe(0);
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
