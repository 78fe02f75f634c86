/**
 * The registry's run-time part (search/registry.ts, search/signature.ts): a registration adds its
 * parameters to its bases and removal takes them away; a pending mark makes a parameter unsupported for
 * search but still extracted on write; the index signature follows what entries depend on.
 */
import { describe, expect, test } from '@jest/globals';
import type { Resource, SearchParameter } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import { parseSearch } from '../../../server/fhir/search/parse.js';
import { buildSearchRegistry } from '../../../server/fhir/search/registry.js';
import { indexSignature } from '../../../server/fhir/search/signature.js';

const sp = (over: Partial<SearchParameter> = {}): SearchParameter => ({
  resourceType: 'SearchParameter',
  url: 'http://example.org/sp/interpretation',
  name: 'Interpretation',
  status: 'active',
  description: 'test',
  code: 'interpretation',
  base: ['Observation'],
  type: 'token',
  expression: 'Observation.interpretation',
  ...over,
});

const obs = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { text: 'x' },
  interpretation: [{ coding: [{ system: 'http://s', code: 'H' }] }],
} as Resource;

describe('run-time registrations', () => {
  const registry = buildSearchRegistry(loadR4Definitions());

  test('a registration adds its parameter to its bases; removing it takes it away', () => {
    const before = registry.generation;
    registry.setRuntime('sp-1', sp());
    expect(registry.get('Observation', 'interpretation')).toMatchObject({
      supported: true,
      runtime: 'sp-1',
      type: 'token',
      expression: 'Observation.interpretation',
    });
    expect(registry.params('Observation').map((d) => d.code)).toContain('interpretation');
    expect(registry.get('Patient', 'interpretation')).toBeUndefined();
    expect(registry.generation).toBeGreaterThan(before);
    registry.setRuntime('sp-1', undefined);
    expect(registry.get('Observation', 'interpretation')).toBeUndefined();
  });

  test('a registration never replaces a built-in parameter of the same code', () => {
    registry.setRuntime('sp-2', sp({ code: 'code', url: 'http://example.org/sp/code' }));
    expect(registry.get('Observation', 'code')?.url).toBe(
      'http://hl7.org/fhir/SearchParameter/clinical-code',
    );
    registry.setRuntime('sp-2', undefined);
  });

  test('a pending parameter is extracted on write but not searchable; active again, it is', () => {
    registry.setRuntime('sp-3', sp());
    registry.setPending('Observation', 'interpretation', 'interpretation is pending: test');
    const def = registry.get('Observation', 'interpretation');
    expect(def).toMatchObject({ supported: false, pending: true, reason: 'interpretation is pending: test' });
    expect(extractIndex(registry, obs).sp.interpretation).toEqual([{ s: 'http://s', c: 'H' }]);
    const ir = parseSearch(registry, 'Observation', [['interpretation', 'H']], { strict: false });
    expect(ir.ignored).toEqual([
      { name: 'interpretation', value: 'H', reason: 'interpretation is pending: test' },
    ]);
    expect(() => parseSearch(registry, 'Observation', [['interpretation', 'H']], { strict: true })).toThrow(
      /'interpretation' cannot be applied: interpretation is pending/,
    );
    registry.setPending('Observation', 'interpretation', undefined);
    expect(
      parseSearch(registry, 'Observation', [['interpretation', 'H']], { strict: true }).clauses,
    ).toHaveLength(1);
    registry.setRuntime('sp-3', undefined);
  });
});

describe('index signatures', () => {
  const registry = buildSearchRegistry(loadR4Definitions());
  const compiled = (over: Partial<SearchParameter> = {}) => registry.compile(sp(over)).get('Observation');

  test('the same definition has the same signature; another expression or type another one', () => {
    const a = compiled();
    const b = compiled({ url: 'http://example.org/other', description: 'other text', name: 'Other' });
    expect(a && b && indexSignature(a)).toBe(b && indexSignature(b));
    expect(indexSignature(compiled({ expression: 'Observation.method' })!)).not.toBe(indexSignature(a!));
    expect(indexSignature(compiled({ type: 'string' })!)).not.toBe(indexSignature(a!));
  });

  test('a built-in parameter keeps its signature across registry builds', () => {
    const other = buildSearchRegistry(loadR4Definitions());
    for (const code of ['code', 'subject', 'date', 'value-quantity', 'code-value-quantity']) {
      expect(indexSignature(other.get('Observation', code)!)).toBe(
        indexSignature(registry.get('Observation', code)!),
      );
    }
    expect(indexSignature(registry.get('Observation', 'code')!)).not.toBe(
      indexSignature(registry.get('Observation', 'category')!),
    );
  });
});
