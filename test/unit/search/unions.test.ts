/**
 * Union parameters (fhir/search/unions.ts): in R4 the Observation `combo-*` parameters are the union of a
 * parameter on the Observation and one on its components; their entries are exactly the members' entries.
 */
import { describe, expect, test } from '@jest/globals';
import type { Observation, Resource } from 'fhir/r4.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import { unionMembers } from '../../../server/fhir/search/unions.js';
import { example, testRegistry } from './helpers.js';

const registry = testRegistry();

/** Entries as comparable text, without order or repeats. */
const asSet = (entries: unknown[] | undefined) =>
  [...new Set((entries ?? []).map((e) => JSON.stringify(e)))].sort();

describe('union parameters', () => {
  test('R4 has six, all on Observation, each the union of its Observation and component parameters', () => {
    const found: Record<string, readonly string[]> = {};
    for (const type of registry.resourceTypes) {
      for (const def of registry.params(type)) {
        const members = unionMembers(registry, type, def.code);
        if (members) found[`${type}.${def.code}`] = [...members].sort();
      }
    }
    expect(found).toEqual({
      'Observation.combo-code': ['code', 'component-code'],
      'Observation.combo-code-value-concept': ['code-value-concept', 'component-code-value-concept'],
      'Observation.combo-code-value-quantity': ['code-value-quantity', 'component-code-value-quantity'],
      'Observation.combo-data-absent-reason': ['component-data-absent-reason', 'data-absent-reason'],
      'Observation.combo-value-concept': ['component-value-concept', 'value-concept'],
      'Observation.combo-value-quantity': ['component-value-quantity', 'value-quantity'],
    });
    // a parameter covering only some parts is no union: Organization.name is name | alias, phonetic only name
    expect(unionMembers(registry, 'Organization', 'name')).toBeUndefined();
    expect(unionMembers(registry, 'Observation', 'code')).toBeUndefined();
  });

  test.each([
    'Observation-blood-pressure.json',
    'Observation-example.json',
    'Observation-10minute-apgar-score.json',
  ])('in %s every union has exactly its members\u2019 entries', (file) => {
    const obs = example<Observation>(file) as Resource;
    const { sp } = extractIndex(registry, obs);
    let checked = 0;
    for (const def of registry.params('Observation')) {
      const members = unionMembers(registry, 'Observation', def.code);
      if (!members) continue;
      expect([def.code, asSet(sp[def.code])]).toEqual([def.code, asSet(members.flatMap((m) => sp[m] ?? []))]);
      if ((sp[def.code] ?? []).length > 0) checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
