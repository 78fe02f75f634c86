/**
 * _sort values from index entries (R4 search.html#sort: lowest value ascending, highest descending;
 * missing last) and the result-control parser (search.html#return: _count default 20, max 1000; _total,
 * _summary, _include forms; strict handling names the parameter).
 */
import { describe, expect, test } from '@jest/globals';
import { parseControls } from '../../../server/fhir/search/controls.js';
import { FhirError } from '../../../server/fhir/outcomes.js';
import { parseSort, sortDocs, sortValue, type SortKey } from '../../../server/fhir/search/sort.js';
import { testRegistry } from './helpers.js';

const registry = testRegistry();
const date: SortKey = { code: 'date', type: 'date', desc: false };
const doc = (id: string, sp: Record<string, unknown[]> = {}) => ({ type: 'Encounter', doc: { _id: id, sp } });

describe('sort values', () => {
  test('a date range sorts by its start ascending and its end descending; several values: the extreme one', () => {
    const d = doc('a', {
      date: [
        { lo: 10, hi: 20 },
        { lo: 5, hi: 8 },
      ],
    }).doc;
    expect(sortValue(d, date)).toBe(5);
    expect(sortValue(d, { ...date, desc: true })).toBe(20);
  });

  test('tokens sort by code, references by reference, strings by the normalised value', () => {
    expect(
      sortValue(
        { _id: 'x', sp: { s: [{ s: 'sys', c: 'b' }, { c: 'a' }] } },
        { code: 's', type: 'token', desc: false },
      ),
    ).toBe('a');
    expect(
      sortValue(
        { _id: 'x', sp: { r: [{ r: 'Patient/2' }, { r: 'Patient/1' }] } },
        { code: 'r', type: 'reference', desc: true },
      ),
    ).toBe('Patient/2');
    expect(
      sortValue(
        { _id: 'x', sp: { n: [{ v: 'muller', e: 'Müller' }] } },
        { code: 'n', type: 'string', desc: false },
      ),
    ).toBe('muller');
  });

  test('quantities sort in canonical units when known (1 h after 20 min)', () => {
    const key: SortKey = { code: 'length', type: 'quantity', desc: true };
    const docs = [
      doc('short', { length: [{ v: 20, lo: 20, hi: 20, c: 'min', n: 's', nlo: 1200, nhi: 1200 }] }),
      doc('long', { length: [{ v: 1, lo: 1, hi: 1, c: 'h', n: 's', nlo: 3600, nhi: 3600 }] }),
    ];
    expect(sortDocs(docs, [key], ['Encounter']).map((d) => d.doc._id)).toEqual(['long', 'short']);
  });

  test('missing values come last in both directions; ties fall back to type order, then id', () => {
    const docs = [
      doc('c'),
      doc('b', { date: [{ lo: 1, hi: 1 }] }),
      doc('a'),
      doc('d', { date: [{ lo: 2, hi: 2 }] }),
    ];
    expect(sortDocs(docs, [date], ['Encounter']).map((d) => d.doc._id)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortDocs(docs, [{ ...date, desc: true }], ['Encounter']).map((d) => d.doc._id)).toEqual([
      'd',
      'b',
      'a',
      'c',
    ]);
    const mixed = [
      { type: 'Condition', doc: { _id: 'a' } },
      { type: 'Patient', doc: { _id: 'z' } },
    ];
    expect(sortDocs(mixed, [], ['Patient', 'Condition']).map((d) => d.type)).toEqual([
      'Patient',
      'Condition',
    ]);
  });

  test('parseSort keeps known sortable parameters and reports the rest', () => {
    const { keys, ignored } = parseSort(registry, ['Patient'], 'family,-birthdate,foo,_id,-family');
    expect(keys.map((k) => `${k.desc ? '-' : ''}${k.code}`)).toEqual(['family', '-birthdate', '_id']);
    expect(ignored.map((i) => i.value)).toEqual(['foo', '-family']);
    // for several types, a key must exist with the same type on all of them
    expect(
      parseSort(registry, ['Patient', 'Condition'], '_lastUpdated,birthdate').keys.map((k) => k.code),
    ).toEqual(['_lastUpdated']);
  });
});

describe('parseControls', () => {
  const parse = (params: Array<[string, string]>, strict = false) =>
    parseControls(registry, ['Condition'], params, strict);

  test('defaults: 20 per page, accurate total, no summary', () => {
    const c = parse([]);
    expect([c.count, c.offset, c.total, c.summary]).toEqual([20, 0, 'accurate', 'false']);
  });

  test('_count is clamped to 1000; _summary=count means _count=0', () => {
    expect(parse([['_count', '99999']]).count).toBe(1000);
    expect(parse([['_summary', 'count']]).count).toBe(0);
  });

  test('include forms: type:param, type:param:target, *, type:*, :iterate', () => {
    const c = parse([
      ['_include', 'Condition:subject:Patient'],
      ['_include', '*'],
      ['_include:iterate', 'Patient:*'],
      ['_revinclude', 'Provenance:target'],
    ]);
    expect(c.include).toEqual([
      { source: 'Condition', param: 'subject', target: 'Patient', iterate: false },
      { source: '*', param: '*', iterate: false },
      { source: 'Patient', param: '*', iterate: true },
    ]);
    expect(c.revinclude).toEqual([{ source: 'Provenance', param: 'target', iterate: false }]);
    expect(c.applied).toHaveLength(4);
  });

  test('what cannot be applied is listed, or a 400 naming it when strict', () => {
    const bad: Array<[string, string]> = [
      ['_include', 'Condition:code'],
      ['_include', 'Condition:subject:Practitioner'],
      ['_revinclude', '*'],
      ['_include:deep', 'Condition:subject'],
      ['_contained', 'true'],
      ['_score', 'true'],
    ];
    expect(parse(bad).ignored.map((i) => i.name)).toEqual(bad.map(([n]) => n));
    for (const p of bad) {
      try {
        parse([p], true);
        throw new Error('expected a 400');
      } catch (err) {
        expect(err).toBeInstanceOf(FhirError);
        expect((err as FhirError).issues[0].diagnostics).toContain(`'${p[0]}'`);
      }
    }
  });

  test('malformed values are a 400 in both modes', () => {
    for (const p of [
      ['_count', '-1'],
      ['_total', 'some'],
      ['_summary', 'yes'],
      ['_offset', 'x'],
    ] as Array<[string, string]>) {
      expect(() => parse([p])).toThrow(FhirError);
    }
  });
});
