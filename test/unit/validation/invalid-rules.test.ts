/**
 * Hand-written rule cases, expected results written from R4 json.html, resource.html, references.html,
 * extensibility.html and narrative.html: each invalid resource yields exactly the listed error issues.
 */
import { describe, expect, test } from '@jest/globals';
import { patient, condition, encounter, carePlan, observation, ext, without, type Case } from './builders.js';
import { errorPairs } from './helpers.js';

const CASES: Case[] = [
  // primitive extensions (_name)
  [
    '_name that is not an object',
    patient({ birthDate: '1980', _birthDate: 'x' }),
    [['Patient.birthDate', 'structure']],
  ],
  [
    '_name with a value property',
    patient({ _birthDate: { value: '1980' } }),
    [['Patient.birthDate.value', 'structure']],
  ],
  [
    'null paired with null',
    patient({ name: [{ given: [null], _given: [null] }] }),
    [['Patient.name[0].given[0]', 'structure']],
  ],
  [
    '_name array of a different length',
    patient({
      name: [
        { given: ['a', 'b'], _given: [{ id: 'g', extension: [{ url: 'http://x.org', valueString: 'y' }] }] },
      ],
    }),
    [['Patient.name[0].given', 'structure']],
  ],
  [
    'extension without url in _name',
    patient({ gender: 'male', _gender: { extension: [{ valueString: 'x' }] } }),
    [['Patient.gender.extension[0].url', 'required']],
  ],
  // minimum cardinality
  ['Encounter.status missing', without(encounter(), 'status'), [['Encounter.status', 'required']]],
  ['CarePlan.intent missing', without(carePlan(), 'intent'), [['CarePlan.intent', 'required']]],
  ['Condition.subject missing', without(condition(), 'subject'), [['Condition.subject', 'required']]],
  [
    'Extension.url missing',
    patient({ extension: [{ valueString: 'a' }] }),
    [['Patient.extension[0].url', 'required']],
  ],
  ['Narrative.div missing', patient({ text: { status: 'generated' } }), [['Patient.text.div', 'required']]],
  [
    'required element of a present backbone element',
    carePlan({ activity: [{ detail: { description: 'walk daily' } }] }),
    [['CarePlan.activity[0].detail.status', 'required']],
  ],
  ['Bundle.type missing', { resourceType: 'Bundle' }, [['Bundle.type', 'required']]],
  [
    'required choice element missing',
    {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
    },
    [['MedicationRequest.medication', 'required']],
  ],
  // extensions
  [
    'extension with a value and extensions',
    ext({ valueString: 'a', extension: [{ url: 'b', valueBoolean: true }] }),
    [['Patient.extension[0]', 'invariant']],
  ],
  ['extension with neither value nor extensions', ext({}), [['Patient.extension[0]', 'invariant']]],
  [
    'modifierExtension in a backbone element without url',
    carePlan({
      activity: [{ modifierExtension: [{ valueBoolean: true }], detail: { status: 'scheduled' } }],
    }),
    [['CarePlan.activity[0].modifierExtension[0].url', 'required']],
  ],
  // references
  [
    'reference without an id',
    condition({ subject: { reference: 'Patient' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'reference to an unknown type',
    condition({ subject: { reference: 'Pateint/1' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'reference with an invalid id',
    condition({ subject: { reference: 'Patient/a_b' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'reference with whitespace',
    condition({ subject: { reference: 'Patient/ 1' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'truncated _history reference',
    condition({ subject: { reference: 'Patient/1/_history' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'reference to a type not allowed',
    condition({ subject: { reference: 'Observation/1' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'local reference with an invalid id',
    condition({ subject: { reference: '#a/b' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'malformed urn:uuid',
    condition({ subject: { reference: 'urn:uuid:1234' } }),
    [['Condition.subject.reference', 'value']],
  ],
  [
    'conditional reference outside a Bundle',
    condition({ subject: { reference: 'Patient?identifier=x|1' } }),
    [['Condition.subject.reference', 'value']],
  ],
  // narrative
  [
    'div that is not XHTML',
    patient({ text: { status: 'generated', div: 'plain text' } }),
    [['Patient.text.div', 'value']],
  ],
  [
    'div given as an object',
    patient({ text: { status: 'generated', div: { p: 'x' } } }),
    [['Patient.text.div', 'structure']],
  ],
  [
    'Narrative.status not in its value set',
    patient({ text: { status: 'made-up', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } }),
    [['Patient.text.status', 'code-invalid']],
  ],
  // required bindings on code elements
  [
    'Encounter.status not in its value set',
    encounter({ status: 'done' }),
    [['Encounter.status', 'code-invalid']],
  ],
  [
    'CarePlan.intent not in its value set',
    carePlan({ intent: 'wish' }),
    [['CarePlan.intent', 'code-invalid']],
  ],
  [
    'Quantity.comparator not in its value set',
    observation({ valueQuantity: { value: 1, comparator: '=' } }),
    [['Observation.value.ofType(Quantity).comparator', 'code-invalid']],
  ],
  ['codes are case-sensitive', encounter({ status: 'Finished' }), [['Encounter.status', 'code-invalid']]],
  // nested resources
  [
    'unknown element in a contained resource',
    condition({ contained: [{ resourceType: 'Patient', id: 'p', foo: 1 }] }),
    [['Condition.contained[0].foo', 'structure']],
  ],
  [
    'contained resource with meta.versionId',
    condition({ contained: [{ resourceType: 'Patient', id: 'p', meta: { versionId: '1' } }] }),
    [['Condition.contained[0].meta.versionId', 'invariant']],
  ],
  [
    'contained resource containing a resource',
    condition({
      contained: [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] }],
    }),
    [['Condition.contained[0].contained', 'invariant']],
  ],
  [
    'contained resource without resourceType',
    condition({ contained: [{ id: 'p' }] }),
    [['Condition.contained[0]', 'required']],
  ],
  [
    'contained resource of an unknown type',
    condition({ contained: [{ resourceType: 'Patients', id: 'p' }] }),
    [['Condition.contained[0]', 'invalid']],
  ],
  [
    'invalid code in a Bundle entry',
    {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient() }, { resource: encounter({ status: 'x' }) }],
    },
    [['Bundle.entry[1].resource.status', 'code-invalid']],
  ],
  [
    'invalid resource in Parameters',
    { resourceType: 'Parameters', parameter: [{ name: 'p', resource: patient({ gender: 'm' }) }] },
    [['Parameters.parameter[0].resource.gender', 'code-invalid']],
  ],
  [
    'contentReference element: nested Questionnaire item without linkId',
    {
      resourceType: 'Questionnaire',
      status: 'draft',
      item: [{ linkId: 'a', type: 'group', item: [{ type: 'string' }] }],
    },
    [['Questionnaire.item[0].item[0].linkId', 'required']],
  ],
  [
    'contentReference element: unknown element in a nested item',
    {
      resourceType: 'Questionnaire',
      status: 'draft',
      item: [{ linkId: 'a', type: 'group', item: [{ linkId: 'b', type: 'string', foo: 1 }] }],
    },
    [['Questionnaire.item[0].item[0].foo', 'structure']],
  ],
];

describe('resources breaking R4 rules produce exactly the expected issues', () => {
  // rest parameters: a callback with more declared parameters than the row would receive jest's `done`
  test.each(CASES)('%s', (...row: Case) => {
    const [, resource, expected, expectedType] = row;
    expect(errorPairs(resource, expectedType)).toEqual(expected);
  });
});
