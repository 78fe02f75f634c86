/**
 * The paging snapshot cache (snapshot.ts): snapshots are bound to their holder and search, expire, and are
 * bounded per holder, in number and in keys, the oldest being evicted first; an expired, evicted or foreign
 * snapshot is a 410 on `_page`.
 */
import { describe, expect, test } from '@jest/globals';
import { FhirError } from '../../../server/fhir/outcomes.js';
import { SnapshotCache } from '../../../server/fhir/search/snapshot.js';

/** An owner whose token key and quota are its name. */
const own = (name: string) => ({ key: name, quota: name });
const keys = (n: number, p = 'c'): string[] => Array.from({ length: n }, (_, i) => `Condition/${p}${i}`);

/** The status a read answers (200 when it succeeds). */
function status(fn: () => unknown): number {
  try {
    fn();
    return 200;
  } catch (err) {
    return (err as FhirError).status;
  }
}

describe('search snapshot cache', () => {
  test('a snapshot is read back by its holder and search, until it expires', () => {
    const cache = new SnapshotCache({ perClient: 5, max: 10, maxKeys: 1000, ttlMs: 60_000 });
    const { id } = cache.save(1000, own('alice'), 'Condition?#code', keys(30));
    const snap = cache.read(1000, id, 'alice', 'Condition?#code');
    expect(snap.size).toBe(30);
    expect(snap.slice(0, 30)).toEqual(keys(30));
    expect(snap.slice(0, 1)).toEqual(keys(30).slice(0, 1));
    expect(snap.slice(7, 12)).toEqual(keys(30).slice(7, 12));
    expect(snap.slice(28, 50)).toEqual(keys(30).slice(28));
    expect(snap.slice(30, 40)).toEqual([]);
    expect(status(() => cache.read(1000, id, 'bob', 'Condition?#code'))).toBe(410);
    expect(status(() => cache.read(1000, id, 'alice', 'Patient?#code'))).toBe(410);
    expect(status(() => cache.read(61_001, id, 'alice', 'Condition?#code'))).toBe(410);
    expect(status(() => cache.read(1000, 'no-such', 'alice', 'Condition?#code'))).toBe(410);
    try {
      cache.read(1000, 'no-such', 'alice', 'Condition?#code');
    } catch (err) {
      expect((err as FhirError).issues[0].expression).toEqual(['_page']);
    }
  });

  test('a holder keeps at most perClient snapshots; its oldest go first, others keep theirs', () => {
    const cache = new SnapshotCache({ perClient: 3, max: 100, maxKeys: 10_000, ttlMs: 60_000 });
    const bobs = cache.save(0, own('bob'), 'S', keys(2)).id;
    const alices = Array.from({ length: 10 }, (_, i) => cache.save(i, own('alice'), 'S', keys(2)).id);
    expect(cache.stats()).toEqual({ snapshots: 4, keys: 8 });
    expect(status(() => cache.read(20, alices[6], 'alice', 'S'))).toBe(410);
    for (const id of alices.slice(7)) expect(status(() => cache.read(20, id, 'alice', 'S'))).toBe(200);
    expect(status(() => cache.read(20, bobs, 'bob', 'S'))).toBe(200);
  });

  test('the quota is shared by the tokens of one holder, the key is not', () => {
    const cache = new SnapshotCache({ perClient: 2, max: 100, maxKeys: 10_000, ttlMs: 60_000 });
    const wide = { key: 'alice user/*.rs', quota: 'alice' };
    const narrow = { key: 'alice user/Condition.rs', quota: 'alice' };
    const first = cache.save(0, wide, 'S', keys(2)).id;
    expect(status(() => cache.read(0, first, narrow.key, 'S'))).toBe(410);
    cache.save(1, narrow, 'S', keys(2));
    cache.save(2, narrow, 'S', keys(2));
    expect(status(() => cache.read(3, first, wide.key, 'S'))).toBe(410);
    expect(cache.stats().snapshots).toBe(2);
  });

  test('the global count and key budget evict the oldest snapshots of anyone', () => {
    const cache = new SnapshotCache({ perClient: 100, max: 4, maxKeys: 100, ttlMs: 60_000 });
    const ids = Array.from({ length: 6 }, (_, i) => cache.save(i, own(`client-${i}`), 'S', keys(10)).id);
    expect(cache.stats()).toEqual({ snapshots: 4, keys: 40 });
    expect(status(() => cache.read(10, ids[1], 'client-1', 'S'))).toBe(410);
    const big = cache.save(10, own('client-9'), 'S', keys(90)).id;
    expect(cache.stats()).toEqual({ snapshots: 2, keys: 100 });
    expect(status(() => cache.read(10, big, 'client-9', 'S'))).toBe(200);
    expect(status(() => cache.read(10, ids[5], 'client-5', 'S'))).toBe(200);
  });

  test('expired snapshots are dropped when the next one is saved', () => {
    const cache = new SnapshotCache({ perClient: 10, max: 10, maxKeys: 1000, ttlMs: 1000 });
    cache.save(0, own('a'), 'S', keys(5));
    cache.save(500, own('b'), 'S', keys(5));
    cache.save(1200, own('c'), 'S', keys(5));
    expect(cache.stats()).toEqual({ snapshots: 2, keys: 10 });
  });
});
