/**
 * OperationDefinitions (R4 operationdefinition.html) of the operations this project implements for its
 * conformance resources, under the canonical base http://ccm-fhir.org/fhir/OperationDefinition/. Their
 * parameters follow the R4 definitions they implement (Resource-validate, ValueSet-expand,
 * ValueSet-validate-code, CodeSystem-lookup), limited to what the server supports.
 */
import type { OperationDefinition, OperationDefinitionParameter } from 'fhir/r4.js';
import { CCM_BASE } from '../../ccm/vocabulary.js';

type Param = [name: string, use: 'in' | 'out', min: number, max: string, type: string, documentation: string];

/** The definition's fields besides its parameters. */
interface Head {
  id: string;
  name: string;
  title: string;
  code: string;
  resource: OperationDefinition['resource'];
  type: boolean;
  instance: boolean;
  description: string;
  base: string;
}

/** Builds one OperationDefinition. */
export function operationDefinition(head: Head, params: Param[]): OperationDefinition {
  const parameter: OperationDefinitionParameter[] = params.map(
    ([name, use, min, max, type, documentation]) => ({
      name,
      use,
      min,
      max,
      documentation,
      type: type as OperationDefinitionParameter['type'],
    }),
  );
  return {
    resourceType: 'OperationDefinition',
    id: head.id,
    url: `${CCM_BASE}/OperationDefinition/${head.id}`,
    version: '0.1.0',
    name: head.name,
    title: head.title,
    status: 'active',
    kind: 'operation',
    date: '2026-11-26',
    publisher: 'ccm-fhir',
    description: head.description,
    affectsState: false,
    code: head.code,
    base: head.base,
    resource: head.resource,
    system: false,
    type: head.type,
    instance: head.instance,
    parameter,
  };
}

/** ValueSet/$expand on the bundled value sets. */
export const expandDefinition = operationDefinition(
  {
    id: 'ValueSet-expand',
    name: 'Expand',
    title: 'Expand a bundled value set',
    code: 'expand',
    resource: ['ValueSet'],
    type: true,
    instance: true,
    description:
      'Expands a value set from the code systems bundled with the server; filter, offset and count page the result.',
    base: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
  },
  [
    ['url', 'in', 0, '1', 'uri', 'Canonical URL of a bundled value set (type level)'],
    ['valueSet', 'in', 0, '1', 'ValueSet', 'A value set to expand, in a POSTed Parameters'],
    [
      'filter',
      'in',
      0,
      '1',
      'string',
      'Only codes whose code or display contains this text (case-insensitive)',
    ],
    ['offset', 'in', 0, '1', 'integer', 'Codes to skip (paging)'],
    ['count', 'in', 0, '1', 'integer', 'Codes to return (at most 1000)'],
    ['return', 'out', 1, '1', 'ValueSet', 'The value set with its expansion'],
  ],
);

/** ValueSet/$validate-code on the bundled value sets. */
export const validateCodeDefinition = operationDefinition(
  {
    id: 'ValueSet-validate-code',
    name: 'ValidateCode',
    title: 'Check a code against a bundled value set',
    code: 'validate-code',
    resource: ['ValueSet'],
    type: true,
    instance: true,
    description: 'Says whether a code, Coding or CodeableConcept is in a value set the server can expand.',
    base: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
  },
  [
    ['url', 'in', 0, '1', 'uri', 'Canonical URL of a bundled value set (type level)'],
    ['code', 'in', 0, '1', 'code', 'The code to check'],
    ['system', 'in', 0, '1', 'uri', 'The code system of the code'],
    ['display', 'in', 0, '1', 'string', 'A display to check against the code'],
    ['coding', 'in', 0, '1', 'Coding', 'A Coding to check'],
    [
      'codeableConcept',
      'in',
      0,
      '1',
      'CodeableConcept',
      'A CodeableConcept: valid when one of its codings is in the value set',
    ],
    ['result', 'out', 1, '1', 'boolean', 'True when the code is in the value set'],
    ['message', 'out', 0, '1', 'string', 'Why not, or a display mismatch'],
    ['display', 'out', 0, '1', 'string', 'The display of the code in the value set'],
  ],
);

/** CodeSystem/$lookup on the bundled code systems. */
export const lookupDefinition = operationDefinition(
  {
    id: 'CodeSystem-lookup',
    name: 'Lookup',
    title: 'Look up a code in a bundled code system',
    code: 'lookup',
    resource: ['CodeSystem'],
    type: true,
    instance: false,
    description:
      'Returns the display, designations, definition and hierarchy of a code of a bundled code system.',
    base: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
  },
  [
    ['system', 'in', 0, '1', 'uri', 'The code system'],
    ['code', 'in', 0, '1', 'code', 'The code'],
    ['coding', 'in', 0, '1', 'Coding', 'System and code as a Coding'],
    ['name', 'out', 1, '1', 'string', 'Name of the code system'],
    ['version', 'out', 0, '1', 'string', 'Version of the code system'],
    ['display', 'out', 1, '1', 'string', 'Display of the code'],
    ['designation', 'out', 0, '*', 'Element', 'Other designations of the code'],
    ['property', 'out', 0, '*', 'Element', 'definition, parent and child of the code'],
  ],
);
