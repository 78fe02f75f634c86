/**
 * The official R4 examples (npm hl7.fhir.r4.examples@4.0.1) validate without errors, except a short list of
 * examples checked by hand against the R4 spec and found genuinely invalid; those must fail for that reason.
 */
import { describe, expect, test } from '@jest/globals';
import { errorsOf, exampleFiles, getValidator, loadExample } from './helpers.js';

const CCM_TYPES = ['CarePlan', 'Condition', 'Consent', 'Task', 'Encounter'];

const SEARCH_PARAMETERS_WITHOUT_BASE = [
  'codesystem-extensions-CodeSystem-author',
  'codesystem-extensions-CodeSystem-effective',
  'codesystem-extensions-CodeSystem-end',
  'codesystem-extensions-CodeSystem-keyword',
  'codesystem-extensions-CodeSystem-workflow',
  'valueset-extensions-ValueSet-author',
  'valueset-extensions-ValueSet-effective',
  'valueset-extensions-ValueSet-end',
  'valueset-extensions-ValueSet-keyword',
  'valueset-extensions-ValueSet-workflow',
];

interface KnownInvalid {
  /** Why the example breaks the R4 spec (checked by hand). */
  reason: string;
  /** Issues that must be among the errors: [expression, code]. */
  expected: [string, string][];
}

/** Official examples that are genuinely invalid R4, with the reason for each. */
const KNOWN_INVALID: Record<string, KnownInvalid> = {
  'DeviceMetric-example.json': {
    reason: 'DeviceMetric.parent is Reference(Device); the example points to DeviceDefinition/dc102',
    expected: [['DeviceMetric.parent.reference', 'value']],
  },
  'DeviceUseStatement-example.json': {
    reason:
      'DeviceUseStatement.reasonReference is Reference(Condition|Observation|DiagnosticReport|DocumentReference|Media); the example points to Procedure/example',
    expected: [['DeviceUseStatement.reasonReference[0].reference', 'value']],
  },
  'MedicationRequest-medrx0301.json': {
    reason:
      'MedicationRequest.dispenseRequest.performer is Reference(Organization); the example points to Practitioner/f001',
    expected: [['MedicationRequest.dispenseRequest.performer.reference', 'value']],
  },
  'Observation-clinical-gender.json': {
    reason: 'Observation.performer does not allow Encounter; the example points to Encounter/example',
    expected: [['Observation.performer[0].reference', 'value']],
  },
  'ImplementationGuide-fhir.json': {
    reason:
      'ImplementationGuide.name and .status are 1..1 but absent; a manifest reference uses a 67-character id (ids are at most 64)',
    expected: [
      ['ImplementationGuide.name', 'required'],
      ['ImplementationGuide.status', 'required'],
      ['ImplementationGuide.manifest.resource[11904].reference.reference', 'value'],
    ],
  },
  'Questionnaire-qs1.json': {
    reason: 'Questionnaire.item.linkId is 1..1 but the nested items have no linkId',
    expected: [
      ['Questionnaire.item[0].item[0].linkId', 'required'],
      ['Questionnaire.item[0].item[15].item[2].item[0].linkId', 'required'],
    ],
  },
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json': {
    reason: 'the id has 67 characters; R4 ids are at most 64 ([A-Za-z0-9\\-\\.]{1,64})',
    expected: [['SearchParameter.id', 'value']],
  },
  ...Object.fromEntries(
    SEARCH_PARAMETERS_WITHOUT_BASE.map((id) => [
      `SearchParameter-${id}.json`,
      { reason: 'SearchParameter.base is 1..* but absent', expected: [['SearchParameter.base', 'required']] },
    ]),
  ),
};

const files = exampleFiles();

function errorsFor(file: string): [string, string, string][] {
  return errorsOf(getValidator().validate(loadExample(file))).map((i) => [
    i.expression?.[0] ?? '',
    i.code,
    i.diagnostics ?? '',
  ]);
}

describe('official R4 examples of the CCM resource types', () => {
  const ccmFiles = files.filter((f) => CCM_TYPES.includes(f.slice(0, f.indexOf('-'))));

  test('there are 57 of them', () => {
    expect(ccmFiles).toHaveLength(57);
  });

  test.each(ccmFiles)('%s has no error issue', (file) => {
    expect(errorsFor(file)).toEqual([]);
  });
});

describe('every official R4 example', () => {
  const byType = new Map<string, string[]>();
  for (const f of files) {
    const type = f.slice(0, f.indexOf('-'));
    byType.set(type, [...(byType.get(type) ?? []), f]);
  }

  test('the package holds thousands of examples', () => {
    expect(files.length).toBeGreaterThan(5000);
  });

  test.each([...byType.keys()])('examples of %s validate (except the known-invalid list)', (type) => {
    const failing: Record<string, [string, string, string][]> = {};
    for (const file of byType.get(type) ?? []) {
      if (file in KNOWN_INVALID) continue;
      const errors = errorsFor(file);
      if (errors.length > 0) failing[file] = errors.slice(0, 5);
    }
    expect(failing).toEqual({});
  });

  test.each(Object.entries(KNOWN_INVALID))(
    'known invalid %s fails for its documented reason',
    (file, known) => {
      const errors = errorsFor(file).map(([expression, code]) => [expression, code]);
      for (const pair of known.expected) expect(errors).toContainEqual(pair);
      expect(known.reason.length).toBeGreaterThan(0);
    },
  );
});
