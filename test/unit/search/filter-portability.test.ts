/**
 * Acceptance 5: one compiled filter document, executed unchanged by both engines. Every conformance query
 * (test/fhir/search/cases-types.ts) compiles to plain JSON data (no RegExp objects, functions, Dates or
 * undefined), so the MongoDB driver and mingo receive the same document; regexes are strings built from
 * escaped input only.
 */
import { describe, expect, test } from '@jest/globals';
import { parseSearch } from '../../../server/fhir/search/parse.js';
import { toMongoFilter } from '../../../server/storage/mongodb/to-mongo.js';
import { GROUPS } from '../../fhir/search/cases-types.js';
import { testRegistry } from './helpers.js';

const DEFERRED = new Set(['chain', 'has', 'list']);

/** Walks a value and lists what is not plain JSON data. */
function nonJson(value: unknown, path = '$'): string[] {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    return typeof value === 'number' && !Number.isFinite(value) ? [path] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nonJson(v, `${path}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nonJson(v, `${path}.${k}`));
  }
  return [path];
}

const queries = Object.values(GROUPS)
  .flat()
  .map((c) => c.q);

describe('compiled filters are plain, portable documents', () => {
  test.each(queries)('%s', (q) => {
    const [type, qs] = q.split('?');
    const params = [...new URLSearchParams(qs ?? '').entries()];
    const ir = parseSearch(testRegistry(), type, params, {
      strict: true,
      baseUrl: 'http://127.0.0.1:8080/fhir',
      now: 0,
    });
    const plain = { ...ir, clauses: ir.clauses.filter((c) => !DEFERRED.has(c.kind)) };
    const filter = toMongoFilter(plain);
    expect(nonJson(filter)).toEqual([]);
    expect(JSON.parse(JSON.stringify(filter))).toEqual(filter);
  });

  test('regex input is escaped', () => {
    const ir = parseSearch(testRegistry(), 'Patient', [['family:contains', 'a.*(b|c)[d]^$']], {
      strict: true,
    });
    expect(toMongoFilter(ir)).toEqual({ 'sp.family.v': { $regex: 'a\\.\\*\\(b\\|c\\)\\[d\\]\\^\\$' } });
  });
});
