/**
 * The profile build: every file under profiles/ except README.md, computed in memory from our sources, the
 * R4 definitions and US Core 6.1.0, so that a test can compare it with what is committed (acceptance 3).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, OperationDefinition, Resource, StructureDefinition } from 'fhir/r4.js';
import * as prettier from 'prettier';
import {
  BILLING_REPORT_DEFINITION,
  ELIGIBILITY_DEFINITION,
  MONTH_SUMMARY_DEFINITION,
} from '../../server/ccm/fhir/operation-definitions.js';
import { CCM_PACKAGE } from '../../server/ccm/vocabulary.js';
import { loadR4Definitions, R4_PACKAGE_DIR, type R4Definitions } from '../../server/fhir/definitions.js';
import {
  expandDefinition,
  lookupDefinition,
  validateCodeDefinition,
} from '../../server/fhir/terminology/operation-definitions.js';
import { reindexOperationDefinition } from '../../server/fhir/reindex/kickoff.js';
import { validateDefinition } from '../../server/fhir/validation/validate-operation.js';
import { ccmCapabilityStatement } from './capability-statement.js';
import { codeSystemSources } from './code-systems.js';
import { PUBLISHER, R4_SD, RELEASE, type ProfileSource } from './elements.js';
import { extensionSources } from './extensions.js';
import { orderElement, orderKeys, RESOURCE_ORDER } from './order.js';
import { implementationGuide, isPackaged } from './package.js';
import { searchParameters } from './search-parameters.js';
import { generateSnapshot } from './snapshot.js';
import { carePlanProfile } from './sources/careplan.js';
import { conditionProfile } from './sources/condition.js';
import { consentProfile } from './sources/consent.js';
import { taskProfile } from './sources/task.js';
import { timeEntryProfile } from './sources/time-entry.js';
import { allCodesValueSet, codeSystemResource, subsetValueSets } from './terminology.js';
import { loadUsCore, US_CORE_DIR, US_CORE_PACKAGE, type UsCoreSelection } from './us-core.js';

/** The operations a CCM server SHALL offer (the requirements CapabilityStatement lists them). */
const REQUIRED_OPERATIONS: OperationDefinition[] = [
  validateDefinition,
  expandDefinition,
  validateCodeDefinition,
  lookupDefinition,
  ELIGIBILITY_DEFINITION,
  MONTH_SUMMARY_DEFINITION,
  BILLING_REPORT_DEFINITION,
];

/**
 * Our OperationDefinitions (the server registers the operations they define), in the package: the required
 * ones and `$reindex` (a feature of this server, not a CCM requirement).
 */
export const OPERATION_DEFINITIONS: OperationDefinition[] = [
  ...REQUIRED_OPERATIONS,
  reindexOperationDefinition,
];

/** Folder (under profiles/) of the R4 core extension definitions the loaded profiles use. */
export const R4_EXTENSIONS_DIR = 'base/r4';

/** Where the build reads its inputs. */
export interface BuildInputs {
  /** The US Core 6.1.0 package (.tgz); when absent, the committed copy under `profilesDir` is used. */
  usCoreTgz: string;
  /** The committed profiles/ folder (fallback source of US Core). */
  profilesDir: string;
}

/** Serialises JSON the one way the build writes it. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Every profile and extension source. */
export function profileSources(): ProfileSource[] {
  return [
    ...extensionSources(),
    conditionProfile(),
    consentProfile(),
    carePlanProfile(),
    timeEntryProfile(),
    taskProfile(),
  ];
}

/** Resolves a base definition: one of ours (built earlier), a US Core one, or an R4 type or resource. */
function baseOf(
  url: string,
  built: Map<string, StructureDefinition>,
  defs: R4Definitions,
): StructureDefinition {
  const sd =
    built.get(url) ??
    (url.startsWith(R4_SD)
      ? (defs.resources.get(url.slice(R4_SD.length)) ?? defs.types.get(url.slice(R4_SD.length)))
      : undefined);
  if (!sd?.snapshot) throw new Error(`base definition ${url} is not available with a snapshot`);
  return sd;
}

/** One StructureDefinition with its generated snapshot. */
function buildStructureDefinition(
  src: ProfileSource,
  base: StructureDefinition,
  defs: R4Definitions,
): StructureDefinition {
  const types = (t: string) => defs.types.get(t)?.snapshot?.element;
  const snapshot = generateSnapshot(src.url, base.snapshot?.element ?? [], src.differential, types);
  const sd: StructureDefinition = {
    resourceType: 'StructureDefinition',
    id: src.id,
    url: src.url,
    version: RELEASE.version,
    name: src.name,
    title: src.title,
    status: 'active',
    experimental: false,
    date: RELEASE.date,
    publisher: PUBLISHER,
    description: src.description,
    fhirVersion: '4.0.1',
    ...(base.mapping ? { mapping: structuredClone(base.mapping) } : {}),
    kind: src.kind,
    abstract: false,
    ...(src.context ? { context: src.context } : {}),
    type: src.type,
    baseDefinition: src.baseDefinition,
    derivation: 'constraint',
    snapshot: { element: snapshot },
    differential: { element: src.differential.map(orderElement) },
  };
  return sd;
}

/** R4 core extension definitions referenced by the loaded profiles (e.g. condition-assertedDate). */
function r4Extensions(selected: Iterable<Resource>): Map<string, Resource> {
  const wanted = new Set<string>();
  for (const r of selected) {
    if (r.resourceType !== 'StructureDefinition') continue;
    for (const e of (r as StructureDefinition).snapshot?.element ?? []) {
      for (const t of e.type ?? [])
        for (const p of t.profile ?? []) if (p.startsWith(R4_SD) && t.code === 'Extension') wanted.add(p);
    }
  }
  const bundle = JSON.parse(
    readFileSync(path.join(R4_PACKAGE_DIR, 'Bundle-extensions.json'), 'utf8'),
  ) as Bundle;
  const out = new Map<string, Resource>();
  for (const e of bundle.entry ?? []) {
    const sd = e.resource as StructureDefinition | undefined;
    if (sd?.resourceType === 'StructureDefinition' && wanted.has(sd.url))
      out.set(`StructureDefinition-${sd.id}.json`, sd);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

function usCoreFiles(us: UsCoreSelection, files: Map<string, string>): void {
  for (const [name, r] of us.definitions) files.set(`${US_CORE_DIR}/${name}`, jsonText(r));
  for (const [name, r] of us.examples) files.set(`${US_CORE_DIR}/examples/${name}`, jsonText(r));
  files.set(
    `${US_CORE_DIR}/index.json`,
    jsonText({
      package: US_CORE_PACKAGE.name,
      version: US_CORE_PACKAGE.version,
      licence: 'CC0-1.0',
      profileTypes: us.profileTypes,
    }),
  );
}

/**
 * Formats the files the way `npm run format` (prettier, the repo's .prettierrc.json) would, so that a
 * formatting run over the repository never changes generated files.
 */
async function formatted(files: Map<string, string>, profilesDir: string): Promise<Map<string, string>> {
  const options = (await prettier.resolveConfig(path.join(profilesDir, 'x.json'))) ?? {};
  const out = new Map<string, string>();
  for (const [rel, text] of files) out.set(rel, await prettier.format(text, { ...options, filepath: rel }));
  return out;
}

/** Computes every generated file: relative path under profiles/ → content (prettier-formatted). */
export async function buildProfiles(inputs: BuildInputs): Promise<Map<string, string>> {
  return formatted(computeFiles(inputs), inputs.profilesDir);
}

/** The generated files before formatting. */
function computeFiles(inputs: BuildInputs): Map<string, string> {
  const defs = loadR4Definitions({ full: true });
  const us = loadUsCore(inputs.usCoreTgz, inputs.profilesDir);
  const files = new Map<string, string>();
  usCoreFiles(us, files);
  for (const [name, r] of r4Extensions(us.definitions.values()))
    files.set(`${R4_EXTENSIONS_DIR}/${name}`, jsonText(r));
  const built = new Map<string, StructureDefinition>();
  for (const r of us.definitions.values()) {
    if (r.resourceType === 'StructureDefinition')
      built.set((r as StructureDefinition).url, r as StructureDefinition);
  }
  for (const src of profileSources()) {
    const sd = buildStructureDefinition(src, baseOf(src.baseDefinition, built, defs), defs);
    built.set(sd.url, sd);
    files.set(`StructureDefinition-${sd.id}.json`, jsonText(orderKeys(sd, RESOURCE_ORDER)));
  }
  for (const src of codeSystemSources()) {
    const cs = codeSystemResource(src);
    files.set(`CodeSystem-${cs.id}.json`, jsonText(orderKeys(cs, RESOURCE_ORDER)));
    const vs = allCodesValueSet(src);
    files.set(`ValueSet-${vs.id}.json`, jsonText(orderKeys(vs, RESOURCE_ORDER)));
  }
  for (const vs of subsetValueSets())
    files.set(`ValueSet-${vs.id}.json`, jsonText(orderKeys(vs, RESOURCE_ORDER)));
  const ours = searchParameters();
  for (const sp of ours) files.set(`SearchParameter-${sp.id}.json`, jsonText(orderKeys(sp, RESOURCE_ORDER)));
  for (const od of OPERATION_DEFINITIONS) files.set(`OperationDefinition-${od.id}.json`, jsonText(od));
  const cs = ccmCapabilityStatement({
    profiles: profileSources(),
    searchParameters: ours,
    r4SearchParameters: defs.searchParameters,
    operations: REQUIRED_OPERATIONS,
    implementationGuide: `${CCM_PACKAGE.implementationGuide}|${RELEASE.version}`,
  });
  files.set(`CapabilityStatement-${cs.id}.json`, jsonText(cs));
  const packaged = [...files].filter(([rel]) => isPackaged(rel)).map(([, t]) => JSON.parse(t) as Resource);
  const ig = implementationGuide(packaged);
  files.set(`ImplementationGuide-${ig.id}.json`, jsonText(ig));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}
