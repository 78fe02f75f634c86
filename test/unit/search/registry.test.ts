/**
 * The search-parameter registry: every official R4 SearchParameter applies to its base types, multi-type
 * expressions are split per type, `resolve() is X` becomes a local check, Resource-level parameters apply
 * to every type and are compiled once, and the Patient compartment comes from its CompartmentDefinition.
 */
import { describe, expect, test } from '@jest/globals';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { buildSearchRegistry } from '../../../server/fhir/search/registry.js';
import { testRegistry } from './helpers.js';

describe('search registry', () => {
  const registry = testRegistry();
  const defs = loadR4Definitions();

  test('every official SearchParameter is registered on each of its concrete base types', () => {
    expect(defs.searchParameters).toHaveLength(1375);
    for (const sp of defs.searchParameters) {
      for (const base of sp.base) {
        if (base === 'Resource' || base === 'DomainResource') continue;
        expect(registry.get(base, sp.code ?? '')?.url).toBe(sp.url);
      }
    }
  });

  test('Condition has its own parameters with their types', () => {
    const types = Object.fromEntries(registry.params('Condition').map((p) => [p.code, p.type]));
    expect(types).toMatchObject({
      patient: 'reference',
      subject: 'reference',
      code: 'token',
      'clinical-status': 'token',
      'verification-status': 'token',
      category: 'token',
      'onset-date': 'date',
      'abatement-date': 'date',
      'recorded-date': 'date',
      'onset-age': 'quantity',
      encounter: 'reference',
      identifier: 'token',
    });
  });

  test('multi-type expressions are split: each type gets only its own part', () => {
    expect(registry.get('Condition', 'code')?.expression).toBe('Condition.code');
    expect(registry.get('MedicationRequest', 'code')?.expression).toBe(
      '(MedicationRequest.medication as CodeableConcept)',
    );
    expect(registry.get('Encounter', 'date')?.expression).toBe('Encounter.period');
  });

  test('resolve() is X becomes a reference-type check that needs no resolver', () => {
    const patient = registry.get('Condition', 'patient');
    expect(patient?.supported).toBe(true);
    expect(patient?.expression).toContain('Condition.subject.where(');
    expect(patient?.expression).not.toContain('resolve()');
    const carePlanPatient = registry.get('CarePlan', 'patient');
    expect(carePlanPatient?.targets).toEqual(['Patient']); // clinical-patient declares Patient|Group
    expect(registry.get('AllergyIntolerance', 'patient')?.targets).toEqual(['Patient']);
    expect(registry.get('Condition', 'subject')?.targets.sort()).toEqual(['Group', 'Patient']);
    expect(carePlanPatient?.expression).toContain('Patient/');
  });

  test('Resource parameters apply to every type and are compiled once', () => {
    for (const code of ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source']) {
      for (const type of ['Patient', 'Condition', 'Bundle', 'Binary'])
        expect(registry.get(type, code)?.supported).toBe(true);
    }
    const tag = registry.get('Condition', '_tag')?.evaluate;
    expect(tag).toBeDefined();
    expect(registry.get('Patient', '_tag')?.evaluate).toBe(tag);
    expect(registry.get('Observation', '_lastUpdated')?.evaluate).toBe(
      registry.get('CarePlan', '_lastUpdated')?.evaluate,
    );
  });

  test('unsupported parameters are listed with a reason', () => {
    expect(registry.get('Condition', '_text')).toMatchObject({ supported: false, type: 'string' });
    expect(registry.get('Condition', '_content')?.reason).toMatch(/not supported/);
    expect(registry.get('Location', 'near')).toMatchObject({ supported: false, type: 'special' });
    const unsupported = registry.resourceTypes.flatMap((t) =>
      registry
        .params(t)
        .filter((p) => !p.supported && !['_text', '_content', '_query'].includes(p.code))
        .map((p) => `${t}.${p.code}`),
    );
    expect(unsupported.sort()).toEqual([
      'Location.near',
      'MolecularSequence.chromosome-variant-coordinate',
      'MolecularSequence.referenceseqid-variant-coordinate',
    ]);
  });

  test('an expression written from the element (InsurancePlan name | alias) applies to its single base', () => {
    expect(registry.get('InsurancePlan', 'name')).toMatchObject({
      supported: true,
      expression: 'InsurancePlan.name | InsurancePlan.alias',
    });
  });

  test('composites carry their components with the component types', () => {
    const cvq = registry.get('Observation', 'code-value-quantity');
    expect(cvq?.components?.map((c) => [c.code, c.type])).toEqual([
      ['code', 'token'],
      ['value-quantity', 'quantity'],
    ]);
  });

  test('the Patient compartment lists the parameters of each type from the CompartmentDefinition', () => {
    expect(registry.patientCompartmentParams('Condition')).toEqual(['patient', 'asserter']);
    expect(registry.patientCompartmentParams('CarePlan')).toEqual(['patient', 'performer']);
    expect(registry.patientCompartmentParams('Encounter')).toEqual(['patient']);
    expect(registry.patientCompartmentParams('Observation')).toEqual(['subject', 'performer']);
    expect(registry.patientCompartmentParams('Patient')).toEqual(['link']);
    expect(registry.patientCompartmentParams('Practitioner')).toEqual([]);
  });

  test('lookups of unknown types and codes are empty', () => {
    expect(registry.get('Condition', 'no-such-param')).toBeUndefined();
    expect(registry.params('NoSuchType')).toEqual([]);
    expect(registry.isResourceType('Condition')).toBe(true);
    expect(registry.isResourceType('Resource')).toBe(false);
  });

  test('extra parameters (profiles) are added and win on a code clash', () => {
    const extra = buildSearchRegistry(defs, [
      {
        resourceType: 'SearchParameter',
        url: 'http://ccm-fhir.org/fhir/SearchParameter/encounter-ccm-minutes',
        name: 'ccm-minutes',
        status: 'active',
        description: 'minutes',
        code: 'ccm-minutes',
        base: ['Encounter'],
        type: 'quantity',
        expression: 'Encounter.length',
      },
    ]);
    expect(extra.get('Encounter', 'ccm-minutes')).toMatchObject({
      supported: true,
      type: 'quantity',
      expression: 'Encounter.length',
    });
  });
});
