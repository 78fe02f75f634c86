/**
 * How the profile walk applies a snapshot (R4 profiling.html, elementdefinition.html): fixed versus pattern,
 * choice types narrowed by a profile, slicing discriminators (value, pattern, value set, exists, type),
 * closed slicing, Reference targets in their literal forms, required bindings on CodeableConcepts, data-type
 * invariants, and what happens with unknown, versioned, foreign and R4 core profiles.
 */
import { describe, expect, test } from '@jest/globals';
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { PROFILE } from '../../../server/ccm/vocabulary.js';
import { loadConformance } from '../../../server/fhir/profiles/conformance.js';
import { createProfileValidator } from '../../../server/fhir/profiles/profile-validator.js';
import { createTerminology } from '../../../server/fhir/terminology/setup.js';
import { createBaseValidator } from '../../../server/fhir/validation/base-validator.js';
import {
  createResourceValidator,
  type ResourceValidator,
} from '../../../server/fhir/validation/resource-validator.js';
import { el } from '../../../scripts/profiles/elements.js';
import { generateSnapshot } from '../../../scripts/profiles/snapshot.js';
import { exampleFiles, readExample } from '../../helpers/examples.js';
import { errorPairs, fixture } from './helpers.js';

const defs = loadR4Definitions();
const types = (t: string) => defs.types.get(t)?.snapshot?.element;

/** A test profile on an R4 resource, with its snapshot generated from `diff`. */
function testProfile(id: string, type: string, diff: ElementDefinition[]): StructureDefinition {
  const base = defs.resources.get(type) as StructureDefinition;
  const url = `urn:test:${id}`;
  return {
    resourceType: 'StructureDefinition',
    url,
    name: id,
    status: 'active',
    kind: 'resource',
    abstract: false,
    type,
    baseDefinition: base.url,
    derivation: 'constraint',
    snapshot: { element: generateSnapshot(url, base.snapshot?.element ?? [], diff, types) },
  };
}

const TEST_PROFILES = [
  testProfile('onset-datetime', 'Condition', [el('Condition.onset[x]', { type: [{ code: 'dateTime' }] })]),
  testProfile('evidence-exists', 'Condition', [
    el('Condition.evidence', {
      slicing: { discriminator: [{ type: 'exists', path: 'detail' }], rules: 'open' },
    }),
    el('Condition.evidence:withDetail', { sliceName: 'withDetail', min: 1 }),
    el('Condition.evidence:withDetail.detail', { min: 1 }),
  ]),
  testProfile('value-quantity', 'Observation', [
    el('Observation.value[x]', {
      slicing: { discriminator: [{ type: 'type', path: '$this' }], rules: 'open' },
    }),
    el('Observation.value[x]:valueQuantity', {
      sliceName: 'valueQuantity',
      min: 1,
      type: [{ code: 'Quantity' }],
    }),
  ]),
];

const conf = loadConformance();
const withTests = { ...conf, structureDefinitions: [...conf.structureDefinitions, ...TEST_PROFILES] };
const profiles = createProfileValidator(defs, withTests, createTerminology(defs, conf));
const base = createBaseValidator(defs);
const reject: ResourceValidator = createResourceValidator(base, profiles, 'reject');
const ignore: ResourceValidator = createResourceValidator(base, profiles, 'warn');

const pairs = (r: unknown, v = reject) => errorPairs(v.validate(r));
const condition = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Condition',
  subject: { reference: 'Patient/p1' },
  code: { text: 'x' },
  ...extra,
});

describe('fixed and pattern', () => {
  const te = () =>
    fixture('ccm-time-entry', 'valid-staff-phone-call') as Record<string, Record<string, unknown>>;

  test('a pattern allows more than it names (class display), not a different code', () => {
    const r = te();
    expect(r.class.display).toBe('virtual');
    expect(pairs(r)).toEqual([]);
    r.class.code = 'HH';
    expect(pairs(r)).toEqual([['Encounter.class', 'value']]);
  });

  test('a fixed value must be exact (length.system with a trailing slash)', () => {
    const r = te();
    r.length.system = 'http://unitsofmeasure.org/';
    // drt-1 (a Duration with a code is in UCUM) fails with it.
    expect(pairs(r)).toEqual([
      ['Encounter.length', 'invariant'],
      ['Encounter.length.system', 'value'],
    ]);
  });

  test('a CodeableConcept pattern is met by one of several codings', () => {
    const r = fixture('ccm-consent', 'valid-verbal-accepted') as {
      scope: { coding: unknown[]; text?: string };
    };
    r.scope.coding.unshift({ system: 'urn:other', code: 'x' });
    r.scope.text = 'Treatment';
    expect(pairs(r)).toEqual([]);
  });
});

describe('types and slicing', () => {
  test('a profile narrows a choice: onsetPeriod is not allowed where only dateTime is', () => {
    const meta = { profile: ['urn:test:onset-datetime'] };
    expect(pairs(condition({ meta, onsetPeriod: { start: '2020' } }))).toEqual([
      ['Condition.onset.ofType(Period)', 'structure'],
    ]);
    expect(pairs(condition({ meta, onsetDateTime: '2020' }))).toEqual([]);
  });

  test('exists discriminator: only evidence with a detail fills the slice', () => {
    const meta = { profile: ['urn:test:evidence-exists'] };
    expect(pairs(condition({ meta, evidence: [{ code: [{ text: 'a' }] }] }))).toEqual([
      ['Condition.evidence', 'required'],
    ]);
    expect(
      pairs(
        condition({
          meta,
          evidence: [{ code: [{ text: 'a' }] }, { detail: [{ reference: 'Observation/o' }] }],
        }),
      ),
    ).toEqual([]);
  });

  test('type discriminator on a choice element', () => {
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      meta: { profile: ['urn:test:value-quantity'] },
    };
    expect(pairs({ ...obs, valueString: 'high' })).toEqual([['Observation.value', 'required']]);
    expect(pairs({ ...obs, valueQuantity: { value: 1 } })).toEqual([]);
  });

  test('a required binding on a CodeableConcept needs a coding from the value set, text alone is not enough', () => {
    const r = fixture('ccm-time-entry', 'valid-staff-phone-call');
    r.type = [{ text: 'phone call' }];
    expect(pairs(r)).toEqual([['Encounter.type[0]', 'code-invalid']]);
  });

  test('slicing by value set: a participant type from the time-role value set fills the slice wherever it is', () => {
    const r = fixture('ccm-time-entry', 'valid-staff-phone-call') as {
      participant: Array<{ type: unknown[] }>;
    };
    r.participant[0].type.unshift({
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF' }],
    });
    expect(pairs(r)).toEqual([]);
  });
});

describe('reference targets', () => {
  const withSubject = (reference: string, contained?: unknown[]) => {
    const r = fixture('ccm-condition', 'valid-attested-diabetes');
    r.subject = { reference };
    if (contained) r.contained = contained;
    return r;
  };

  test('absolute URLs are checked by their Type/id tail', () => {
    expect(pairs(withSubject('https://other.example/fhir/Group/g1'))).toEqual([
      ['Condition.subject.reference', 'value'],
    ]);
    expect(pairs(withSubject('https://other.example/fhir/Patient/p1'))).toEqual([]);
  });

  test('a local reference is checked by the contained resource it points to', () => {
    const group = { resourceType: 'Group', id: 'g', type: 'person', actual: true };
    expect(pairs(withSubject('#g', [group]))).toEqual([['Condition.subject.reference', 'value']]);
  });

  test('a urn:uuid reference (resolved inside a Bundle) is not checked', () => {
    expect(pairs(withSubject('urn:uuid:8c2b1d8e-3a7e-4a3c-9c59-5a7f1c2d9e10'))).toEqual([]);
  });
});

describe('claimed profiles', () => {
  const claiming = (profile: string) => condition({ meta: { profile: [profile] } });

  test('an unknown profile is an error when rejecting and a warning when ignoring', () => {
    expect(pairs(claiming('http://example.org/StructureDefinition/nope'))).toEqual([
      ['Condition.meta.profile[0]', 'not-supported'],
    ]);
    const issues = ignore.validate(claiming('http://example.org/StructureDefinition/nope'));
    expect(issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'not-supported']]);
  });

  test('a versioned canonical matches only our version', () => {
    const r = fixture('ccm-condition', 'valid-attested-diabetes');
    r.meta = { profile: [`${PROFILE.condition}|0.1.0`] };
    expect(pairs(r)).toEqual([]);
    r.meta = { profile: [`${PROFILE.condition}|9.9.9`] };
    expect(pairs(r)).toEqual([['Condition.meta.profile[0]', 'not-supported']]);
  });

  test('a profile of another resource type is invalid', () => {
    expect(pairs(claiming(PROFILE.consent))).toEqual([['Condition.meta.profile[0]', 'invalid']]);
  });

  test('every claimed profile is checked: US Core and ccm-condition together', () => {
    const r = fixture('ccm-condition', 'valid-attested-diabetes');
    r.meta = {
      profile: [
        'http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns',
        PROFILE.condition,
      ],
    };
    expect(pairs(r)).toEqual([]);
    r.code = { coding: [{ system: 'http://hl7.org/fhir/sid/icd-9-cm', code: '401.9' }] };
    expect(pairs(r)).toEqual([['Condition.code', 'invariant']]);
  });

  test('R4 core profiles are known (vitalsigns on the official heart-rate example)', () => {
    const [file] = exampleFiles(['Observation']).filter((f) => f === 'Observation-heart-rate.json');
    const r = readExample(file) as unknown as Record<string, unknown>;
    expect((r.meta as { profile: string[] }).profile).toEqual([
      'http://hl7.org/fhir/StructureDefinition/vitalsigns',
    ]);
    expect(pairs(r)).toEqual([]);
    delete r.category;
    expect(pairs(r)).toContainEqual(['Observation.category', 'required']);
  });
});

describe('base R4 rules beyond structure', () => {
  test('resource invariants (Task inv-1: lastModified not before authoredOn)', () => {
    const task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      authoredOn: '2026-11-05',
      lastModified: '2026-11-01',
    };
    expect(pairs(task)).toEqual([['Task', 'invariant']]);
  });

  test('data-type invariants on nested values (per-1 on Condition.onsetPeriod)', () => {
    expect(pairs(condition({ onsetPeriod: { start: '2021', end: '2020' } }))).toEqual([
      ['Condition.onset.ofType(Period)', 'invariant'],
    ]);
  });

  test('ele-1: a primitive with a value may carry an id-only companion (US Core Patient examples do)', () => {
    const patient = { resourceType: 'Patient', gender: 'female', _gender: { id: 'g' } };
    expect(pairs(patient)).toEqual([]);
    expect(pairs({ resourceType: 'Patient', _gender: { id: 'g' } })).toEqual([
      ['Patient.gender', 'structure'],
    ]);
  });

  test('a structural error stops before profile rules', () => {
    const r = fixture('ccm-consent', 'invalid-status-draft');
    r.dateTime = 'yesterday';
    expect(pairs(r)).toEqual([['Consent.dateTime', 'value']]);
  });
});
