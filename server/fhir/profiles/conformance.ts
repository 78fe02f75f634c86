/**
 * The conformance resources the server loads at start: the CCM ones from the CCM FHIR package
 * (packages/org.ccm-fhir.ccm-<version>.tgz, read through the package set like every IG package; the newest
 * version loaded wins, so a practice's IG_PACKAGES_DIR may carry a newer one), and, from profiles/base/, the
 * part of US Core 6.1.0 the CCM profiles build on and the R4 extension definitions they use (the package
 * depends on US Core 6.1.0 and does not repeat it). profiles/ is the source the package is built from
 * (`npm run profiles:build`); its top-level JSON files are not read here. Never reads ../shared.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystem, Resource, SearchParameter, StructureDefinition, ValueSet } from 'fhir/r4.js';
import { CCM_PACKAGE } from '../../ccm/vocabulary.js';
import { openPackageSet, type PackageInfo, type PackageSet } from '../packages/package-set.js';
import { processCache } from './process-cache.js';

/** The profiles/ folder of this checkout. */
export const PROFILES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'profiles',
);

/** Everything the server loads of the CCM package and profiles/base/. */
export interface ConformanceSet {
  /** Ours first, then US Core, then the R4 extension copies. */
  structureDefinitions: StructureDefinition[];
  valueSets: ValueSet[];
  codeSystems: CodeSystem[];
  searchParameters: SearchParameter[];
  /** The CCM package's other resources: its ImplementationGuide, CapabilityStatement, OperationDefinitions. */
  others: Resource[];
  /** Canonical URL → constrained resource type, for every US Core profile (loaded or not) and ours. */
  profileTypes: Map<string, string>;
  /** Where each resource came from: `ccm` (the CCM package), `us-core` or `r4` (profiles/base/). */
  origin: Map<Resource, 'ccm' | 'us-core' | 'r4'>;
  /** The CCM package read. */
  ccmPackage: PackageInfo;
}

/** The CCM package is not among the packages loaded. */
export class MissingCcmPackageError extends Error {
  constructor() {
    super(
      `the CCM FHIR package ${CCM_PACKAGE.name} is not in packages/ or IG_PACKAGES_DIR: ` +
        'run `npm run profiles:build` to build it from profiles/',
    );
    this.name = 'MissingCcmPackageError';
  }
}

function readDir(dir: string): Resource[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[A-Z][A-Za-z]+-.+\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Resource);
}

/**
 * Reads the CCM package of `packages` (default: packages/ of this checkout) and profiles/base/ of `dir`, once
 * per package file, folder and process. Throws MissingCcmPackageError when the set has no CCM package.
 */
export function loadConformance(
  packages: PackageSet = openPackageSet(),
  dir: string = PROFILES_DIR,
): ConformanceSet {
  const ccm = packages.newest(CCM_PACKAGE.name);
  if (!ccm) throw new MissingCcmPackageError();
  return processCache(`conformance:${ccm.file}:${dir}`, () => readConformance(packages, ccm, dir));
}

function readConformance(packages: PackageSet, ccmPackage: PackageInfo, dir: string): ConformanceSet {
  const set: ConformanceSet = {
    structureDefinitions: [],
    valueSets: [],
    codeSystems: [],
    searchParameters: [],
    others: [],
    profileTypes: new Map(),
    origin: new Map(),
    ccmPackage,
  };
  const groups: Array<[Resource[], 'ccm' | 'us-core' | 'r4']> = [
    [packages.resources(CCM_PACKAGE.name), 'ccm'],
    [readDir(path.join(dir, 'base', 'us-core-6.1.0')), 'us-core'],
    [readDir(path.join(dir, 'base', 'r4')), 'r4'],
  ];
  for (const [resources, origin] of groups) {
    for (const r of resources) {
      set.origin.set(r, origin);
      if (r.resourceType === 'StructureDefinition') set.structureDefinitions.push(r as StructureDefinition);
      else if (r.resourceType === 'ValueSet') set.valueSets.push(r as ValueSet);
      else if (r.resourceType === 'CodeSystem') set.codeSystems.push(r as CodeSystem);
      else if (r.resourceType === 'SearchParameter') set.searchParameters.push(r as SearchParameter);
      else if (origin === 'ccm') set.others.push(r);
    }
  }
  const index = path.join(dir, 'base', 'us-core-6.1.0', 'index.json');
  if (existsSync(index)) {
    const types = (JSON.parse(readFileSync(index, 'utf8')) as { profileTypes: Record<string, string> })
      .profileTypes;
    for (const [url, type] of Object.entries(types)) set.profileTypes.set(url, type);
  }
  for (const sd of set.structureDefinitions)
    if (sd.kind === 'resource') set.profileTypes.set(sd.url, sd.type);
  return set;
}
