/**
 * The auth state store (memory and collection backends, the same contract; the collection one runs on
 * every engine of ENGINES) and the signing key kept in DATA_DIR/keys (0600) or in the store.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from '@jest/globals';
import { loadSigningKeys } from '../../server/auth/keys.js';
import { CollectionTtlStore, MemoryTtlStore, type TtlStore } from '../../server/auth/ttl-store.js';
import { openStore as openEngine } from '../../server/storage/open-store.js';
import type { Storage } from '../../server/storage/repository.js';
import { ENGINES } from '../helpers/test-app.js';
import { testClock } from '../helpers/smart-app.js';

const stores: Storage[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

async function openStore(engine: string): Promise<Storage> {
  const s =
    engine === 'mongodb'
      ? await openEngine({
          mongodbUri: process.env.MONGODB_URI as string,
          mongodbDb: `ccm-auth-${randomUUID().slice(0, 8)}`,
          dataDir: null,
        })
      : await openEngine({ dataDir: null });
  stores.push(s);
  return s;
}

const backends: Array<[string, (clock: () => Date) => Promise<TtlStore>]> = [
  ['memory', async (clock) => new MemoryTtlStore(clock)],
  ...ENGINES.map((e): [string, (clock: () => Date) => Promise<TtlStore>] => [
    `collection on ${e}`,
    async (clock) => new CollectionTtlStore(await openStore(e), clock),
  ]),
];

describe.each(backends)('TTL store: %s', (_name, make) => {
  test('set/get, expiry after the TTL, delete', async () => {
    const clock = testClock();
    const s = await make(clock.now);
    await s.set('k', 'a', { v: 1 }, 10);
    expect(await s.get('k', 'a')).toEqual({ v: 1 });
    expect(await s.get('other', 'a')).toBeNull();
    clock.advance(11);
    expect(await s.get('k', 'a')).toBeNull();
    await s.set('k', 'b', true, 10);
    await s.delete('k', 'b');
    expect(await s.get('k', 'b')).toBeNull();
  });

  test('take is single use, also under concurrency (authorization codes, RFC 6749 §4.1.2)', async () => {
    const s = await make(testClock().now);
    await s.set('code', 'c1', { grant: 'g' }, 60);
    const results = await Promise.all(Array.from({ length: 8 }, () => s.take('code', 'c1')));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await s.take('code', 'c1')).toBeNull();
  });

  test('add refuses a live key and accepts an expired one (jti replay cache)', async () => {
    const clock = testClock();
    const s = await make(clock.now);
    expect(await s.add('jti', 'x', true, 5)).toBe(true);
    expect(await s.add('jti', 'x', true, 5)).toBe(false);
    clock.advance(6);
    expect(await s.add('jti', 'x', true, 5)).toBe(true);
  });
});

describe('signing key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('generated on first start into DATA_DIR/keys with mode 0600, and the same key on the next start', async () => {
    const store = await openStore('sqlite');
    const first = await loadSigningKeys({ store, dataDir: dir });
    const file = path.join(dir, 'keys', 'signing-key.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await loadSigningKeys({ store, dataDir: dir });
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk.n).toBe(first.publicJwk.n);
  });

  test('without a data directory the key lives in the store (MongoDB mode), created once', async () => {
    const store = await openStore(ENGINES[ENGINES.length - 1]);
    const a = await loadSigningKeys({ store });
    const b = await loadSigningKeys({ store });
    expect(b.kid).toBe(a.kid);
  });
});
