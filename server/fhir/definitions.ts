/**
 * Loads the official FHIR R4 definitions (npm `hl7.fhir.r4.examples@4.0.1`, CC0) once per process:
 * StructureDefinitions of resources and types, SearchParameters, CompartmentDefinitions and ValueSets.
 *
 * The package's bundles hold 49 MB of JSON, most of it narrative, differentials and mappings the server never
 * reads; parsing them was a third of start-up. The first load writes what the server uses (snapshots, no
 * narrative) to `node_modules/.cache/ccm-fhir/` (16 MB), and later loads read that; when the cache cannot be
 * written or read, the bundles are read as before. `loadR4Definitions({ full: true })` (the profile build)
 * always reads the bundles whole.
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

import { writeJsonCache } from './json-cache.js';

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

/** The parts of the definitions the cache file holds (the maps rebuilt from them). */
interface CachedDefinitions {
  key: string;
  resources: StructureDefinition[];
  types: StructureDefinition[];
  searchParameters: SearchParameter[];
  compartments: CompartmentDefinition[];
  valueSets: ValueSet[];
  codeSystems: CodeSystem[];
}

/** Bump when what the cache holds changes. */
const CACHE_FORMAT = 1;

function cacheKey(): string {
  const pkg = JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return `${pkg.version ?? '?'}/${CACHE_FORMAT}`;
}

function cacheFile(): string {
  // node_modules/.cache beside the package's own folder
  return path.join(R4_PACKAGE_DIR, '..', '.cache', 'ccm-fhir', 'r4-definitions.json');
}

/** Without the narrative, the differential and the top-level mappings, which the server never reads. */
function trimmed<T extends Resource>(r: T): T {
  const {
    text: _t,
    differential: _d,
    mapping: _m,
    ...rest
  } = r as T & {
    text?: unknown;
    differential?: unknown;
    mapping?: unknown;
  };
  return rest as unknown as T;
}

function readCache(): R4Definitions | undefined {
  try {
    const c = JSON.parse(readFileSync(cacheFile(), 'utf8')) as CachedDefinitions;
    if (c.key !== cacheKey()) return undefined;
    return assemble(
      new Map(c.resources.map((sd) => [sd.type, sd])),
      new Map(c.types.map((sd) => [sd.type, sd])),
      c.searchParameters,
      c.compartments,
      new Map(c.valueSets.map((v) => [v.url ?? '', v])),
      new Map(c.codeSystems.map((v) => [v.url ?? '', v])),
    );
  } catch {
    return undefined;
  }
}

function writeCache(d: R4Definitions): void {
  const c: CachedDefinitions = {
    key: cacheKey(),
    resources: [...d.resources.values()].map(trimmed),
    types: [...d.types.values()].map(trimmed),
    searchParameters: d.searchParameters.map(trimmed),
    compartments: d.compartments.map(trimmed),
    valueSets: [...d.valueSets.values()].map(trimmed),
    codeSystems: [...d.codeSystems.values()].map(trimmed),
  };
  // a read-only node_modules: every start reads the bundles
  writeJsonCache(cacheFile(), c);
}

function assemble(
  resources: Map<string, StructureDefinition>,
  types: Map<string, StructureDefinition>,
  searchParameters: SearchParameter[],
  compartments: CompartmentDefinition[],
  valueSets: Map<string, ValueSet>,
  codeSystems: Map<string, CodeSystem>,
): R4Definitions {
  const resourceTypes = [...resources.values()]
    .filter((sd) => !sd.abstract)
    .map((sd) => sd.type)
    .sort();
  return { resources, types, resourceTypes, searchParameters, compartments, valueSets, codeSystems };
}

let full: R4Definitions | undefined;

/**
 * Returns the R4 definitions: from the cache (about 0.2 s) or, the first time or with `full`, from the package
 * bundles (about 0.7 s), once per process.
 */
export function loadR4Definitions(options: { full?: boolean } = {}): R4Definitions {
  if (options.full) return (full ??= readBundles());
  if (cached) return cached;
  cached = full ?? readCache();
  if (!cached) {
    cached = readBundles();
    full = cached;
    writeCache(cached);
  }
  return cached;
}

function readBundles(): R4Definitions {
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
  return assemble(resources, types, searchParameters, compartments, valueSets, codeSystems);
}
