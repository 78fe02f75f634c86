/**
 * The snapshot generator (R4 profiling.html#snapshot): merge of differential elements into the base
 * snapshot, new slices as copies of the sliced element, children expanded from the data type, and the
 * rule that a constraint only narrows its base.
 */
import { describe, expect, test } from '@jest/globals';
import type { ElementDefinition } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { generateSnapshot, pathOfId, SnapshotError } from '../../../scripts/profiles/snapshot.js';
import { el } from '../../../scripts/profiles/elements.js';

const defs = loadR4Definitions();
const types = (t: string) => defs.types.get(t)?.snapshot?.element;
const consent = defs.resources.get('Consent')?.snapshot?.element ?? [];
const gen = (diff: ElementDefinition[]) => generateSnapshot('urn:test', consent, diff, types);
const byId = (out: ElementDefinition[], id: string) => out.find((e) => e.id === id);

describe('generateSnapshot', () => {
  test('paths come from ids without slice names', () => {
    expect(pathOfId('Consent.provision.actor:billing.role')).toBe('Consent.provision.actor.role');
  });

  test('an empty differential gives the base snapshot', () => {
    expect(gen([])).toEqual(consent);
  });

  test('cardinality and binding are replaced, constraints appended with their source', () => {
    const out = gen([
      el('Consent', {
        constraint: [{ key: 'x-1', severity: 'error', human: 'h', expression: 'status.exists()' }],
      }),
      el('Consent.dateTime', { min: 1 }),
      el('Consent.status', { binding: { strength: 'required', valueSet: 'urn:vs' } }),
    ]);
    expect(byId(out, 'Consent.dateTime')?.min).toBe(1);
    expect(byId(out, 'Consent.dateTime')?.base).toEqual(byId(consent, 'Consent.dateTime')?.base);
    expect(byId(out, 'Consent.status')?.binding).toEqual({ strength: 'required', valueSet: 'urn:vs' });
    const keys = byId(out, 'Consent')?.constraint?.map((c) => [c.key, c.source]);
    expect(keys?.slice(0, -1)).toEqual(byId(consent, 'Consent')?.constraint?.map((c) => [c.key, c.source]));
    expect(keys?.at(-1)).toEqual(['x-1', 'urn:test']);
  });
});

describe('new elements', () => {
  test('a new slice copies the sliced element and its children, after its family, with min 0', () => {
    const out = gen([
      el('Consent.provision.actor', {
        slicing: { discriminator: [{ type: 'pattern', path: 'role' }], rules: 'open' },
        min: 1,
      }),
      el('Consent.provision.actor:pp', { sliceName: 'pp', max: '1' }),
      el('Consent.provision.actor:pp.role', { patternCodeableConcept: { coding: [{ code: 'PPRF' }] } }),
    ]);
    const ids = out.map((e) => e.id);
    const at = ids.indexOf('Consent.provision.actor:pp');
    expect(ids.slice(at, at + 6)).toEqual([
      'Consent.provision.actor:pp',
      'Consent.provision.actor:pp.id',
      'Consent.provision.actor:pp.extension',
      'Consent.provision.actor:pp.modifierExtension',
      'Consent.provision.actor:pp.role',
      'Consent.provision.actor:pp.reference',
    ]);
    expect(ids[at - 1]).toBe('Consent.provision.actor.reference');
    const slice = byId(out, 'Consent.provision.actor:pp');
    expect([slice?.min, slice?.max, slice?.sliceName, slice?.slicing]).toEqual([0, '1', 'pp', undefined]);
    expect(byId(out, 'Consent.provision.actor:pp.role')?.path).toBe('Consent.provision.actor.role');
    expect(byId(out, 'Consent.provision.actor:pp.role')?.patternCodeableConcept).toEqual({
      coding: [{ code: 'PPRF' }],
    });
    expect(byId(out, 'Consent.provision.actor.role')?.patternCodeableConcept).toBeUndefined();
  });

  test('children of a data-typed element are expanded from the type', () => {
    const out = gen([el('Consent.provision.period.start', { min: 1 })]);
    const ids = out.map((e) => e.id);
    const at = ids.indexOf('Consent.provision.period');
    expect(ids.slice(at + 1, at + 5)).toEqual([
      'Consent.provision.period.id',
      'Consent.provision.period.extension',
      'Consent.provision.period.start',
      'Consent.provision.period.end',
    ]);
    expect(byId(out, 'Consent.provision.period.start')?.base?.path).toBe('Period.start');
  });

  test('a fixed value replaces a pattern and keys come out in ElementDefinition order', () => {
    const out = gen([el('Consent.status', { fixedCode: 'active', short: 's' })]);
    const keys = Object.keys(byId(out, 'Consent.status') as object);
    expect(keys.indexOf('short')).toBeLessThan(keys.indexOf('min'));
    expect(keys.indexOf('fixedCode')).toBeGreaterThan(keys.indexOf('type'));
    expect(keys.indexOf('fixedCode')).toBeLessThan(keys.indexOf('binding'));
  });
});

describe('a constraint only narrows its base', () => {
  test.each([
    ['a lower min', [el('Consent.status', { min: 0 })], /min 0 is below/],
    ['a higher max', [el('Consent.patient', { max: '*' })], /max \* is above/],
    [
      'a type the base does not have',
      [el('Consent.dateTime', { type: [{ code: 'date' }] })],
      /type date is not allowed/,
    ],
    ['an unknown element', [el('Consent.nope', { min: 1 })], /has no such element/],
    ['min above max', [el('Consent.category', { min: 2, max: '1' })], /min 2 is above max 1/],
  ])('rejects %s', (_what, diff, message) => {
    expect(() => gen(diff)).toThrow(SnapshotError);
    expect(() => gen(diff)).toThrow(message);
  });
});
