/** The exchange settings are configuration (README "Configuration"): defaults, overrides and bad values. */
import { expect, test } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../server/config.js';

test('BUNDLE_MAX_ENTRIES and BULK_EXPIRY_SECONDS default to 10000 and 3600', () => {
  const c = loadConfig({});
  expect(c.bundleMaxEntries).toBe(10000);
  expect(c.bulkExpirySeconds).toBe(3600);
});

test('they can be set, and a bad value stops the start with a message naming the variable', () => {
  const c = loadConfig({ BUNDLE_MAX_ENTRIES: '500', BULK_EXPIRY_SECONDS: '86400' });
  expect(c.bundleMaxEntries).toBe(500);
  expect(c.bulkExpirySeconds).toBe(86400);
  expect(() => loadConfig({ BUNDLE_MAX_ENTRIES: '0' })).toThrow(ConfigError);
  expect(() => loadConfig({ BULK_EXPIRY_SECONDS: 'soon' })).toThrow(/BULK_EXPIRY_SECONDS=soon/);
});

test('STORE_SYNC defaults to FULL, takes NORMAL in any case, and refuses anything else', () => {
  expect(loadConfig({}).storeSync).toBe('FULL');
  expect(loadConfig({ STORE_SYNC: 'normal' }).storeSync).toBe('NORMAL');
  expect(() => loadConfig({ STORE_SYNC: 'OFF' })).toThrow(/STORE_SYNC=OFF/);
});
