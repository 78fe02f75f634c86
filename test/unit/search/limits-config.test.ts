/** The request limits of issue 14 finding 6 are configuration (README "Configuration"): defaults, overrides, bad values. */
import { expect, test } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../server/config.js';
import { DEFAULT_SEARCH_LIMITS } from '../../../server/fhir/search/limits.js';
import { DEFAULT_SIZE_LIMITS } from '../../../server/fhir/validation/size-limits.js';

test('the defaults are those of the search and size modules', () => {
  const c = loadConfig({});
  expect([c.searchMaxValues, c.searchMaxParameters, c.searchSortMaxKeys, c.searchSortMax]).toEqual([
    DEFAULT_SEARCH_LIMITS.maxValues,
    DEFAULT_SEARCH_LIMITS.maxParameters,
    DEFAULT_SEARCH_LIMITS.sortMaxKeys,
    DEFAULT_SEARCH_LIMITS.sortMaxMatches,
  ]);
  expect([c.resourceMaxArrayItems, c.resourceMaxElements]).toEqual([
    DEFAULT_SIZE_LIMITS.maxArrayItems,
    DEFAULT_SIZE_LIMITS.maxElements,
  ]);
});

test('they can be set, and a bad value stops the start naming the variable', () => {
  const c = loadConfig({
    SEARCH_MAX_VALUES: '500',
    SEARCH_MAX_PARAMETERS: '80',
    SEARCH_SORT_MAX_KEYS: '3',
    SEARCH_SORT_MAX: '50000',
    RESOURCE_MAX_ARRAY_ITEMS: '20000',
    RESOURCE_MAX_ELEMENTS: '300000',
  });
  expect(c.searchMaxValues).toBe(500);
  expect(c.searchMaxParameters).toBe(80);
  expect(c.searchSortMaxKeys).toBe(3);
  expect(c.searchSortMax).toBe(50000);
  expect(c.resourceMaxArrayItems).toBe(20000);
  expect(c.resourceMaxElements).toBe(300000);
  expect(() => loadConfig({ SEARCH_MAX_VALUES: '0' })).toThrow(ConfigError);
  expect(() => loadConfig({ SEARCH_SORT_MAX: '200000' })).toThrow(/SEARCH_SORT_MAX=200000/);
  expect(() => loadConfig({ RESOURCE_MAX_ELEMENTS: 'many' })).toThrow(/RESOURCE_MAX_ELEMENTS=many/);
});
