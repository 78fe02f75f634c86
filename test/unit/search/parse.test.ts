/**
 * parseSearch and toMongoFilter: result-control parameters are collected apart; unknown or unsupported
 * parameters and modifiers are ignored and listed, or rejected with a 400 under strict handling
 * (R4 search.html#errors, Prefer: handling=strict); malformed values are always a 400 naming the
 * parameter; and the filter documents have the documented shapes.
 */
import { describe, expect, test } from '@jest/globals';
import { FhirError } from '../../../server/fhir/outcomes.js';
import { parseSearch } from '../../../server/fhir/search/parse.js';
import { toMongoFilter } from '../../../server/storage/mongodb/to-mongo.js';
import { ms, testRegistry } from './helpers.js';

const registry = testRegistry();
const lenient = (type: string, params: Array<[string, string]>) =>
  parseSearch(registry, type, params, { strict: false });
const strict = (type: string, params: Array<[string, string]>) =>
  parseSearch(registry, type, params, { strict: true });
const filter = (type: string, params: Array<[string, string]>) => toMongoFilter(lenient(type, params));

/** The FhirError thrown by `fn`. */
function errorOf(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('parseSearch: control, unknown and unsupported parameters', () => {
  test('result-control parameters are collected in order, never turned into clauses', () => {
    const control: Array<[string, string]> = [
      ['_count', '10'],
      ['_sort', '-date'],
      ['_include', 'Condition:subject'],
      ['_revinclude:iterate', 'Provenance:target'],
      ['_total', 'accurate'],
      ['_summary', 'count'],
      ['_elements', 'id,code'],
      ['_format', 'json'],
      ['_pretty', 'true'],
    ];
    const ir = strict('Condition', [['code', 'x'], ...control]);
    expect(ir.control).toEqual(control);
    expect(ir.clauses).toHaveLength(1);
    expect(ir.ignored).toEqual([]);
  });

  test('lenient: unknown parameters, unsupported modifiers, bad chains and _has, unsupported parameters are listed', () => {
    const ir = lenient('Condition', [
      ['foo', 'bar'],
      ['code:sounds-like', 'x'],
      ['subject.foo', 'peter'],
      ['code.name', 'x'],
      ['_has:Observation:patient:foo', 'x'],
      ['_has:Observation:performer:code', 'x'],
      ['_text', 'ear'],
      ['onset-date:exact', '2012'],
      ['_list', '$current-problems'],
      ['code', ''],
      ['code', 'x'],
    ]);
    expect(ir.ignored.map((i) => i.name)).toEqual([
      'foo',
      'code:sounds-like',
      'subject.foo',
      'code.name',
      '_has:Observation:patient:foo',
      '_has:Observation:performer:code',
      '_text',
      'onset-date:exact',
      '_list',
      'code',
    ]);
    expect(ir.ignored[0].reason).toMatch(/unknown/);
    expect(ir.clauses).toEqual([
      { kind: 'match', name: 'code', code: 'code', not: false, anyOf: [{ type: 'token', code: 'x' }] },
    ]);
  });

  test('chains and _has become inner searches per target type (search.html#chaining, #has)', () => {
    const ir = strict('Condition', [
      ['subject:Patient.name', 'peter'],
      ['_has:Provenance:target:agent', 'Practitioner/1'],
    ]);
    const [chain, has] = ir.clauses;
    expect(chain).toMatchObject({ kind: 'chain', code: 'subject' });
    expect(chain.kind === 'chain' && chain.inner.map((i) => i.resourceType)).toEqual(['Patient']);
    expect(has).toMatchObject({ kind: 'has', refCode: 'target', inner: { resourceType: 'Provenance' } });
    // without a type modifier, every target type that has the parameter is searched: Condition.subject
    // targets Patient and Group, and only Patient has `name`
    const untyped = strict('Condition', [['subject.name', 'peter']]).clauses[0];
    expect(untyped.kind === 'chain' && untyped.inner.map((i) => i.resourceType)).toEqual(['Patient']);
    const deep = strict('Encounter', [['subject:Patient.organization.name', 'acme']]).clauses[0];
    expect(deep.kind === 'chain' && deep.inner[0].clauses[0].kind).toBe('chain');
  });

  test('strict: the same parameters are a 400 naming the parameter', () => {
    for (const [name, value] of [
      ['foo', 'bar'],
      ['code:sounds-like', 'x'],
      ['subject.foo', 'peter'],
      ['_has:Observation:patient:foo', 'x'],
      ['_text', 'ear'],
      ['near', '42|0|10|km'],
    ]) {
      const type = name === 'near' ? 'Location' : 'Condition';
      const err = errorOf(() => strict(type, [[name, value]]));
      expect(err.status).toBe(400);
      expect(err.issues[0].code).toBe('not-supported');
      expect(err.issues[0].diagnostics).toContain(`'${name}'`);
    }
  });

  test('malformed values are a 400 in both modes', () => {
    for (const [name, value] of [
      ['onset-date', '2012-13'],
      ['onset-date', 'xx2012'],
      ['code:missing', 'maybe'],
      ['identifier:of-type', 'a|b'],
      ['code', 'a|b|c'],
      ['code', '|'],
      ['onset-age', '5|a'],
    ]) {
      const err = errorOf(() => lenient('Condition', [[name, value]]));
      expect(err.status).toBe(400);
      expect(err.issues[0].code).toBe('invalid');
      expect(err.issues[0].diagnostics).toContain(`'${name}'`);
    }
  });
});

describe('toMongoFilter shapes', () => {
  test('no clause is the empty filter; clauses are ANDed', () => {
    expect(filter('Condition', [['_count', '5']])).toEqual({});
    expect(
      filter('Condition', [
        ['_id', 'a'],
        ['subject', 'Patient/1'],
      ]),
    ).toEqual({
      $and: [{ _id: 'a' }, { 'sp.subject.r': 'Patient/1' }],
    });
  });

  test('token: one key is a dotted path; system and code share one $elemMatch', () => {
    expect(filter('Condition', [['code', 'x']])).toEqual({ 'sp.code.c': 'x' });
    expect(filter('Condition', [['code', 'http://snomed.info/sct|x']])).toEqual({
      'sp.code': { $elemMatch: { s: 'http://snomed.info/sct', c: 'x' } },
    });
    expect(filter('Condition', [['code', '|x']])).toEqual({
      'sp.code': { $elemMatch: { s: { $exists: false }, c: 'x' } },
    });
    expect(filter('Condition', [['code', 'a,b']])).toEqual({
      $or: [{ 'sp.code.c': 'a' }, { 'sp.code.c': 'b' }],
    });
    expect(filter('Condition', [['code:not', 'a']])).toEqual({ $nor: [{ 'sp.code.c': 'a' }] });
    expect(filter('Condition', [['code:missing', 'true']])).toEqual({ 'sp.code': { $exists: false } });
  });

  test('string: escaped anchored regex on the normalised value; :exact on the raw value', () => {
    expect(filter('Patient', [['family', 'Mü.l(']])).toEqual({ 'sp.family.v': { $regex: '^mu\\.l\\(' } });
    expect(filter('Patient', [['family:contains', 'a*']])).toEqual({ 'sp.family.v': { $regex: 'a\\*' } });
    expect(filter('Patient', [['family:exact', 'Mü']])).toEqual({ 'sp.family.e': 'Mü' });
  });

  test('date: ranges compared inside one $elemMatch', () => {
    expect(filter('Condition', [['onset-date', '2012-05']])).toEqual({
      'sp.onset-date': {
        $elemMatch: {
          lo: { $gte: ms('2012-05-01T00:00:00Z') },
          hi: { $lte: ms('2012-05-31T23:59:59.999Z') },
        },
      },
    });
    expect(filter('Condition', [['onset-date', 'gt2012']])).toEqual({
      'sp.onset-date.hi': { $gt: ms('2012-12-31T23:59:59.999Z') },
    });
  });

  test('reference, number, quantity, composite', () => {
    expect(filter('Condition', [['subject', 'Patient/1']])).toEqual({ 'sp.subject.r': 'Patient/1' });
    expect(filter('CarePlan', [['patient', '7']])).toEqual({ 'sp.patient.r': 'Patient/7' });
    // both bounds must hold for the same value: a resource with 0.1 and 0.73 does not equal 0.5
    expect(filter('RiskAssessment', [['probability', '0.5']])).toEqual({
      'sp.probability': { $elemMatch: { v: { $gte: 0.45, $lt: 0.55 } } },
    });
    expect(filter('RiskAssessment', [['probability', 'gt0.5']])).toEqual({
      'sp.probability.v': { $gt: 0.5 },
    });
    // a UCUM unit the server converts is also compared in canonical units: 5 mg = 0.005 g
    expect(filter('Observation', [['value-quantity', 'gt5|http://unitsofmeasure.org|mg']])).toEqual({
      'sp.value-quantity': {
        $elemMatch: {
          $or: [
            { hi: { $gt: 5 }, s: 'http://unitsofmeasure.org', c: 'mg' },
            { n: 'g', nhi: { $gt: 0.005 } },
          ],
        },
      },
    });
    expect(filter('Observation', [['value-quantity', 'gt5|http://example.org|pills']])).toEqual({
      'sp.value-quantity': { $elemMatch: { hi: { $gt: 5 }, s: 'http://example.org', c: 'pills' } },
    });
    expect(filter('Observation', [['code-value-quantity', 'http://loinc.org|8480-6$lt60']])).toEqual({
      'sp.code-value-quantity': {
        $elemMatch: { 'c0.s': 'http://loinc.org', 'c0.c': '8480-6', 'c1.lo': { $lt: 60 } },
      },
    });
  });

  test('escaped commas and dollars belong to the value', () => {
    expect(filter('Condition', [['code', 'a\\,b']])).toEqual({ 'sp.code.c': 'a,b' });
    expect(filter('Observation', [['code-value-string', 'x$a\\$b']])).toEqual({
      'sp.code-value-string': { $elemMatch: { 'c0.c': 'x', 'c1.v': { $regex: '^a\\$b' } } },
    });
  });
});
