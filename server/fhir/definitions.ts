/**
 * Loads the official FHIR R4 definitions (npm `hl7.fhir.r4.examples@4.0.1`, CC0) once per process:
 * StructureDefinitions of resources and types, SearchParameters, CompartmentDefinitions and ValueSets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type {
  Bundle,
  CodeSystem,
  CompartmentDefinition,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from 'fhir/r4.js';

const require = createRequire(import.meta.url);

/** Directory holding the R4 definition bundles and examples. */
export const R4_PACKAGE_DIR = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));

function readBundle(file: string): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Bundle;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/** The R4 definitions the server needs, parsed once. */
export interface R4Definitions {
  /** StructureDefinitions of concrete and abstract resources, keyed by type name. */
  resources: Map<string, StructureDefinition>;
  /** StructureDefinitions of data types (primitive and complex), keyed by type name. */
  types: Map<string, StructureDefinition>;
  /** Names of the concrete (instantiable) resource types, sorted. */
  resourceTypes: string[];
  searchParameters: SearchParameter[];
  compartments: CompartmentDefinition[];
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
}

let cached: R4Definitions | undefined;

/** Returns the R4 definitions, reading the package files on first call (about 0.3 s). */
export function loadR4Definitions(): R4Definitions {
  if (cached) return cached;
  const resources = new Map<string, StructureDefinition>();
  const compartments: CompartmentDefinition[] = [];
  for (const r of readBundle('Bundle-resources.json')) {
    if (r.resourceType === 'StructureDefinition') {
      const sd = r as StructureDefinition;
      if (sd.kind === 'resource' && sd.derivation !== 'constraint') resources.set(sd.type, sd);
    } else if (r.resourceType === 'CompartmentDefinition') {
      compartments.push(r as CompartmentDefinition);
    }
  }
  const types = new Map<string, StructureDefinition>();
  for (const r of readBundle('Bundle-types.json')) {
    const sd = r as StructureDefinition;
    if (r.resourceType === 'StructureDefinition' && sd.derivation !== 'constraint') types.set(sd.type, sd);
  }
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const r of readBundle('Bundle-valuesets.json')) {
    if (r.resourceType === 'ValueSet') valueSets.set((r as ValueSet).url ?? '', r as ValueSet);
    if (r.resourceType === 'CodeSystem') codeSystems.set((r as CodeSystem).url ?? '', r as CodeSystem);
  }
  const searchParameters = readBundle('Bundle-searchParams.json').filter(
    (r): r is SearchParameter => r.resourceType === 'SearchParameter',
  );
  const resourceTypes = [...resources.values()]
    .filter((sd) => !sd.abstract)
    .map((sd) => sd.type)
    .sort();
  cached = { resources, types, resourceTypes, searchParameters, compartments, valueSets, codeSystems };
  return cached;
}
