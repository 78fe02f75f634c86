/**
 * Requirements CapabilityStatements (server/fhir/packages/requirements.ts): SHALL items (or items without an
 * expectation) are required, SHOULD/MAY ones are not, nor anything under a resource that is itself only
 * SHOULD; each kind of item the server lacks is named.
 */
import { describe, expect, test } from '@jest/globals';
import type { CapabilityStatement } from 'fhir/r4.js';
import {
  requirementsOf,
  unmetRequirements,
  type ServerSupport,
} from '../../../server/fhir/packages/requirements.js';

const EXP = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation';
const COMBO = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination';
const expect_ = (valueCode: string) => [{ url: EXP, valueCode }];

const statement: CapabilityStatement = {
  resourceType: 'CapabilityStatement',
  url: 'http://example.org/CapabilityStatement/server',
  version: '1.0.0',
  status: 'active',
  date: '2026-01-01',
  kind: 'requirements',
  fhirVersion: '4.0.1',
  format: ['json'],
  rest: [
    {
      mode: 'server',
      interaction: [{ code: 'transaction', extension: expect_('SHALL') }, { code: 'batch' }],
      operation: [{ name: 'export', definition: 'http://x/OperationDefinition/export' }],
      resource: [
        {
          type: 'Patient',
          extension: [
            ...expect_('SHALL'),
            {
              url: COMBO,
              extension: [...expect_('SHALL'), { url: 'required', valueString: 'birthdate' }],
            },
            { url: COMBO, extension: [...expect_('SHOULD'), { url: 'required', valueString: 'gender' }] },
          ],
          supportedProfile: ['http://example.org/StructureDefinition/p'],
          interaction: [
            { code: 'read', extension: expect_('SHALL') },
            { code: 'delete', extension: expect_('MAY') },
          ],
          searchParam: [
            { name: 'name', type: 'string', extension: expect_('SHALL') },
            { name: 'phonetic', type: 'string', extension: expect_('SHOULD') },
          ],
          searchRevInclude: ['Provenance:target'],
          operation: [{ name: 'everything', definition: 'http://x/OperationDefinition/everything' }],
        },
        {
          type: 'Questionnaire',
          extension: expect_('SHOULD'),
          interaction: [{ code: 'read', extension: expect_('SHALL') }],
        },
      ],
    },
    { mode: 'client', resource: [{ type: 'Observation', interaction: [{ code: 'create' }] }] },
  ],
};

const PARAMS: Record<string, string> = {
  'Patient.name': 'string',
  'Patient.birthdate': 'date',
  'Provenance.target': 'reference',
};

/** A server that supports everything the statement asks, with `except` taken away. */
function support(except: Partial<ServerSupport> = {}): ServerSupport {
  return {
    resourceTypes: new Set(['Patient', 'Provenance']),
    typeInteractions: ['read', 'search-type'],
    systemInteractions: ['transaction', 'batch'],
    searchParamType: (type, code) => PARAMS[`${type}.${code}`],
    hasOperation: (name, type) => (type === 'Patient' ? name === 'everything' : name === 'export'),
    knowsProfile: (url) => url === 'http://example.org/StructureDefinition/p',
    ...except,
  };
}

describe('requirementsOf', () => {
  test('keeps SHALL and unmarked items of server rests; drops SHOULD/MAY items and SHOULD resources', () => {
    expect(requirementsOf(statement)).toEqual({
      url: statement.url,
      version: '1.0.0',
      interactions: ['transaction', 'batch'],
      operations: ['export'],
      resources: [
        {
          type: 'Patient',
          interactions: ['read'],
          searchParams: ['name'],
          combinations: [['birthdate']],
          includes: [],
          revIncludes: ['Provenance:target'],
          operations: ['everything'],
          profiles: ['http://example.org/StructureDefinition/p'],
        },
      ],
    });
  });

  test('a statement of kind capability, or for clients only, states no requirements of servers', () => {
    expect(requirementsOf({ ...statement, kind: 'capability' })).toBeUndefined();
    expect(requirementsOf({ ...statement, rest: [statement.rest![1]] })).toBeUndefined();
  });
});

describe('unmetRequirements', () => {
  const req = requirementsOf(statement)!;

  test('a server that has everything meets the statement', () => {
    expect(unmetRequirements(req, support())).toEqual([]);
  });

  test('each missing item is named', () => {
    expect(unmetRequirements(req, support({ systemInteractions: ['transaction'] }))).toEqual([
      'interaction batch',
    ]);
    expect(unmetRequirements(req, support({ hasOperation: () => false }))).toEqual([
      'operation $export',
      'Patient: operation $everything',
    ]);
    expect(unmetRequirements(req, support({ typeInteractions: ['search-type'] }))).toEqual([
      'Patient: interaction read',
    ]);
    expect(unmetRequirements(req, support({ searchParamType: () => undefined }))).toEqual([
      'Patient: search parameter name',
      'Patient: search parameter birthdate',
      'Patient: _revinclude=Provenance:target',
    ]);
    expect(unmetRequirements(req, support({ knowsProfile: () => false }))).toEqual([
      'Patient: profile http://example.org/StructureDefinition/p',
    ]);
    expect(unmetRequirements(req, support({ resourceTypes: new Set(['Provenance']) }))).toEqual([
      'Patient: the resource type',
    ]);
  });
});
