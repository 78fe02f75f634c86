/**
 * The requirements CapabilityStatement of a CCM server (R4 capabilitystatement.html, kind `requirements`),
 * published in the CCM package: what a server SHALL do to hold the CCM records of a practice. For each type
 * a CCM profile constrains: read, search and write it, validate claims of the profile, answer the R4 search
 * parameters the clinician app and the CCM engine use plus ours; the CCM operations; $validate and the
 * terminology operations on the bundled value sets. Every item carries the R4 core `capabilitystatement-
 * expectation` extension (SHALL); a server lists the statement in `instantiates` when it meets every item
 * (server/fhir/packages/requirements.ts).
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  OperationDefinition,
  SearchParameter,
} from 'fhir/r4.js';
import { CCM_PACKAGE } from '../../server/ccm/vocabulary.js';
import { PUBLISHER, RELEASE, type ProfileSource } from './elements.js';

const EXPECTATION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation';
const SHALL = [{ url: EXPECTATION, valueCode: 'SHALL' }];

/** The R4 search parameters the CCM readers use on each profiled type (smart-app/, server/ccm/). */
const R4_PARAMS: Record<string, string[]> = {
  CarePlan: ['patient'],
  Condition: ['patient'],
  Consent: ['patient'],
  Encounter: ['patient', 'date'],
  Task: ['patient', 'based-on'],
};

/** The interactions a CCM server SHALL offer on a profiled type. */
const WRITE_TYPE_INTERACTIONS = ['read', 'vread', 'update', 'create', 'search-type'] as const;

type Interaction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];
type ParamType = NonNullable<CapabilityStatementRestResource['searchParam']>[number]['type'];

/** What the statement is made from. */
export interface CapabilityInputs {
  /** Our profiles (kind `resource`) and extensions. */
  profiles: ProfileSource[];
  /** Our SearchParameters. */
  searchParameters: SearchParameter[];
  /** The R4 SearchParameters (for the definitions of the R4 parameters required). */
  r4SearchParameters: SearchParameter[];
  /** Our OperationDefinitions. */
  operations: OperationDefinition[];
  /** The canonical (url|version) of the CCM ImplementationGuide. */
  implementationGuide: string;
}

function r4Param(all: SearchParameter[], type: string, code: string) {
  const sp = all.find((p) => p.code === code && (p.base as string[]).includes(type));
  if (!sp) throw new Error(`R4 has no search parameter ${type}.${code}`);
  return { extension: SHALL, name: code, definition: sp.url, type: sp.type as ParamType };
}

/** The operations of `defs` on a type (`Resource` ones on every profiled type), at type or instance level. */
function typeOperations(defs: OperationDefinition[], type: string) {
  return defs
    .filter((d) => (d.type || d.instance) && (d.resource ?? []).some((r) => r === type || r === 'Resource'))
    .map((d) => ({ extension: SHALL, name: d.code, definition: d.url as string }));
}

function resourceEntry(type: string, inputs: CapabilityInputs, interactions: readonly Interaction[]) {
  const profiles = inputs.profiles.filter((p) => p.kind === 'resource' && p.type === type).map((p) => p.url);
  const ours = inputs.searchParameters.filter((sp) => (sp.base as string[]).includes(type));
  const params = [
    ...(R4_PARAMS[type] ?? []).map((code) => r4Param(inputs.r4SearchParameters, type, code)),
    ...ours.map((sp) => ({
      extension: SHALL,
      name: sp.code,
      definition: sp.url,
      type: sp.type as ParamType,
    })),
  ];
  const operations = typeOperations(inputs.operations, type).filter(
    (o) => profiles.length > 0 || !o.definition.endsWith('/Resource-validate'),
  );
  const entry: CapabilityStatementRestResource = {
    extension: SHALL,
    type: type as CapabilityStatementRestResource['type'],
    ...(profiles.length ? { supportedProfile: profiles } : {}),
    interaction: interactions.map((code) => ({ extension: SHALL, code })),
    ...(params.length ? { searchParam: params } : {}),
    ...(operations.length ? { operation: operations } : {}),
  };
  return entry;
}

/** The requirements CapabilityStatement of a CCM server. */
export function ccmCapabilityStatement(inputs: CapabilityInputs): CapabilityStatement {
  const profiled = [
    ...new Set(inputs.profiles.filter((p) => p.kind === 'resource').map((p) => p.type)),
  ].sort();
  const operationTypes = [
    ...new Set(inputs.operations.flatMap((d) => (d.resource ?? []).filter((r) => r !== 'Resource'))),
  ].filter((t) => !profiled.includes(t));
  const resources = [
    ...profiled.map((t) => resourceEntry(t, inputs, WRITE_TYPE_INTERACTIONS)),
    ...operationTypes.map((t) => resourceEntry(t, inputs, ['read'])),
  ].sort((a, b) => a.type.localeCompare(b.type));
  const id = CCM_PACKAGE.capabilityStatement.split('/').pop() as string;
  return {
    resourceType: 'CapabilityStatement',
    id,
    url: CCM_PACKAGE.capabilityStatement,
    version: RELEASE.version,
    name: 'CcmServerCapabilityStatement',
    title: 'CCM server requirements',
    status: 'active',
    experimental: false,
    date: RELEASE.date,
    publisher: PUBLISHER,
    description:
      'What a FHIR server SHALL support to hold the Chronic Care Management records of a practice: ' +
      'read, search, write and profile validation of the CCM resources, the CCM operations, $validate and ' +
      'the terminology operations on the CCM value sets.',
    kind: 'requirements',
    fhirVersion: '4.0.1',
    format: ['json'],
    implementationGuide: [inputs.implementationGuide],
    rest: [
      {
        mode: 'server',
        resource: resources,
        operation: inputs.operations
          .filter((d) => d.system)
          .map((d) => ({ extension: SHALL, name: d.code, definition: d.url as string })),
      },
    ],
  };
}
