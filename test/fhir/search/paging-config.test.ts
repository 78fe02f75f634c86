/**
 * The search paging bounds are configuration (README "Configuration"): defaults, overrides, bad values,
 * and createApp hands them to the snapshot cache.
 */
import { expect, test } from '@jest/globals';
import { createApp } from '../../../server/app.js';
import { ConfigError, loadConfig } from '../../../server/config.js';
import { DEFAULT_SNAPSHOT_LIMITS } from '../../../server/fhir/search/snapshot.js';
import { openStore } from '../../../server/storage/open-store.js';
import { TEST_BASE } from '../../helpers/test-app.js';

test('the snapshot bounds default to the documented values', () => {
  const c = loadConfig({});
  expect([c.searchSnapshotsPerClient, c.searchSnapshotsMax, c.searchSnapshotKeysMax]).toEqual([
    10, 100, 500_000,
  ]);
  expect(c.searchSnapshotSeconds).toBe(600);
  expect(DEFAULT_SNAPSHOT_LIMITS).toEqual({ perClient: 10, max: 100, maxKeys: 500_000, ttlMs: 600_000 });
});

test('they can be set, and a bad value stops the start with a message naming the variable', () => {
  const c = loadConfig({
    SEARCH_SNAPSHOTS_PER_CLIENT: '3',
    SEARCH_SNAPSHOTS_MAX: '30',
    SEARCH_SNAPSHOT_KEYS_MAX: '20000',
    SEARCH_SNAPSHOT_SECONDS: '120',
  });
  expect([c.searchSnapshotsPerClient, c.searchSnapshotsMax, c.searchSnapshotKeysMax]).toEqual([
    3, 30, 20_000,
  ]);
  expect(c.searchSnapshotSeconds).toBe(120);
  expect(() => loadConfig({ SEARCH_SNAPSHOTS_PER_CLIENT: '0' })).toThrow(ConfigError);
  expect(() => loadConfig({ SEARCH_SNAPSHOTS_MAX: 'many' })).toThrow(/SEARCH_SNAPSHOTS_MAX=many/);
  expect(() => loadConfig({ SEARCH_SNAPSHOT_KEYS_MAX: '10' })).toThrow(/SEARCH_SNAPSHOT_KEYS_MAX=10/);
  expect(() => loadConfig({ SEARCH_SNAPSHOT_SECONDS: '-1' })).toThrow(/SEARCH_SNAPSHOT_SECONDS=-1/);
});

test('createApp gives the configured bounds to the snapshot cache', async () => {
  const store = await openStore({ dataDir: null });
  try {
    const { services } = createApp({
      config: {
        baseUrl: TEST_BASE,
        bodyLimitBytes: 1024 * 1024,
        searchSnapshotsPerClient: 2,
        searchSnapshotsMax: 5,
        searchSnapshotKeysMax: 5000,
        searchSnapshotSeconds: 30,
      },
      store,
      access: { mode: 'open' },
    });
    expect(services.paging.snapshots.limits).toEqual({ perClient: 2, max: 5, maxKeys: 5000, ttlMs: 30_000 });
  } finally {
    await store.close();
  }
});
