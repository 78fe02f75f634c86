/**
 * Long reads do not hold the event loop: a `find` or `count` over a whole type reads on a connection of its
 * own and yields between slices, so other work (here a setImmediate ticker standing for other requests)
 * runs while it reads; and the read is one snapshot: writes committed meanwhile are not half-seen.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Observation } from 'fhir/r4.js';
import { openSqliteStorage, type SqliteStorage } from '../../server/storage/sqlite/index.js';
import type { ResourceRepository } from '../../server/storage/repository.js';
import { contractDeps } from './repository-contract.js';

const N = 20_000;
let store: SqliteStorage;
let repo: ResourceRepository;
beforeAll(async () => {
  store = await openSqliteStorage({ dataDir: null });
  repo = store.repository(contractDeps());
  for (let start = 0; start < N; start += 2000) {
    await store.transaction(async (tx) => {
      for (let i = start; i < start + 2000; i++) {
        const o: Observation = { resourceType: 'Observation', status: 'final', code: { text: `o${i}` } };
        await repo.put('Observation', `o${String(i).padStart(6, '0')}`, o, { method: 'PUT', tx });
      }
    });
  }
}, 120_000);
afterAll(async () => store.close());

/** Runs `fn` while a setImmediate ticker counts the turns the event loop gets. */
async function ticksDuring(fn: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  let on = true;
  const tick = () => {
    ticks++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  await fn();
  on = false;
  return ticks;
}

test('a find over the whole type lets the event loop run between slices', async () => {
  let found = 0;
  const ticks = await ticksDuring(async () => {
    found = (await repo.find('Observation', { kind: 'all' }, { fields: 'resource' })).length;
  });
  expect(found).toBe(N);
  expect(ticks).toBeGreaterThan(1);
});

test('a count over the whole type lets the event loop run too', async () => {
  let n = 0;
  const ticks = await ticksDuring(async () => {
    n = await repo.count('Observation', { kind: 'all' });
  });
  expect(n).toBe(N);
  expect(ticks).toBeGreaterThan(0);
});

test('a long read is one snapshot: writes committed while it reads are not seen', async () => {
  const reading = repo.find('Observation', { kind: 'all' }, { fields: 'id' });
  // committed while the read is in progress (it yields between slices)
  const late: Observation = { resourceType: 'Observation', status: 'final', code: {} };
  const written = repo.put('Observation', 'zz-late', late, { method: 'PUT' });
  const [docs] = await Promise.all([reading, written]);
  expect(docs.length).toBe(N);
  expect(docs.some((d) => d._id === 'zz-late')).toBe(false);
  expect(await repo.count('Observation', { kind: 'all' })).toBe(N + 1);
});
