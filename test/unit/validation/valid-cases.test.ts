/** Valid edge cases (R4 json.html, datatypes.html, references.html): no error issue. */
import { describe, expect, test } from '@jest/globals';
import { patient, condition, encounter, carePlan, ext, UUID } from './builders.js';
import { errorPairs } from './helpers.js';

const VALID: [string, unknown, string?][] = [
  ['a resource with only its type', patient()],
  ['the minimal resources used above', condition()],
  ['the minimal Encounter', encounter(), 'Encounter'],
  ['the minimal CarePlan', carePlan()],
  [
    'null in an array paired with an extension',
    patient({
      name: [
        { given: [null, 'b'], _given: [{ extension: [{ url: 'http://x.org', valueString: 'y' }] }, null] },
      ],
    }),
  ],
  [
    'a primitive with only an extension',
    patient({ _birthDate: { extension: [{ url: 'http://x.org', valueCode: 'unknown' }] } }),
  ],
  ['a leap day', patient({ birthDate: '2024-02-29' })],
  ['year-only and year-month dates', patient({ birthDate: '1980-06', deceasedDateTime: '2020' })],
  [
    'dateTime with a leap second and a negative zone',
    condition({ recordedDate: '2016-12-31T23:59:60-05:00' }),
  ],
  ['instant with fractional seconds', patient({ meta: { lastUpdated: '2026-01-05T10:00:00.123+14:00' } })],
  [
    'local, versioned, absolute and urn references',
    condition({
      subject: { reference: 'Patient/p1/_history/2' },
      asserter: { reference: 'https://ehr.example.org/fhir/Practitioner/9' },
    }),
  ],
  [
    'a reference to the container',
    condition({
      contained: [
        {
          resourceType: 'Provenance',
          id: 'pv',
          target: [{ reference: '#' }],
          recorded: '2020-01-01T00:00:00Z',
          agent: [{ who: { display: 'x' } }],
        },
      ],
    }),
  ],
  [
    'urn:uuid and conditional references inside a transaction Bundle',
    {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: UUID, resource: patient(), request: { method: 'POST', url: 'Patient' } },
        {
          resource: condition({
            subject: { reference: UUID },
            encounter: { reference: 'Encounter?identifier=a|1' },
          }),
          request: { method: 'POST', url: 'Condition' },
        },
      ],
    },
  ],
  ['codes with single inner spaces', patient({ language: 'en US' })],
  ['a non-breaking space is not FHIR whitespace', patient({ language: 'en\u00a0' })],
  ['a base64Binary wrapped over lines', patient({ photo: [{ data: 'aGVs\nbG8=' }] })],
  [
    'a nested extension',
    ext({
      extension: [
        { url: 'a', valueDecimal: 1.25 },
        { url: 'b', valueInteger: -3 },
      ],
    }),
  ],
];

describe('valid edge cases produce no issue', () => {
  test.each(VALID)('%s', (...row: [string, unknown, string?]) => {
    const [, resource, expectedType] = row;
    expect(errorPairs(resource, expectedType)).toEqual([]);
  });
});
