/**
 * The CCM FHIR package (FHIR packages.html: a gzipped tar of `package/` with package.json, .index.json and
 * one JSON file per resource), built from the top-level resources of profiles/ exactly as they are written
 * there, and the ImplementationGuide resource that lists them. Reproducible: the same profiles/ give the same
 * bytes (fixed entry order, mtimes and gzip header; scripts/profiles/tar-writer.ts).
 */
import type { ImplementationGuide, Resource } from 'fhir/r4.js';
import { CCM_BASE, CCM_PACKAGE } from '../../server/ccm/vocabulary.js';
import { PUBLISHER, RELEASE } from './elements.js';
import { writeTar } from './tar-writer.js';
import { US_CORE_PACKAGE } from './us-core.js';

/** The package's file name in packages/ (what `npm run ig -- add` would name it). */
export const PACKAGE_FILE = `${CCM_PACKAGE.name}-${RELEASE.version}.tgz`;

/** The licence of the package (the project's). */
export const PACKAGE_LICENSE = 'Apache-2.0';

const COPYRIGHT =
  'ccm-fhir, licensed under the Apache License 2.0 (SPDX Apache-2.0). The profiles derive from HL7 FHIR R4 ' +
  'and US Core 6.1.0, both CC0-1.0.';

/** A top-level resource file of profiles/ (`Type-id.json`), which the package carries; base/ stays out. */
export function isPackaged(rel: string): boolean {
  return /^[A-Z][A-Za-z]+-[^/]+\.json$/.test(rel);
}

/** The `package/package.json` manifest (FHIR packages.html, "package.json"). */
export function packageManifest(): Record<string, unknown> {
  return {
    name: CCM_PACKAGE.name,
    version: RELEASE.version,
    type: 'IG',
    date: `${RELEASE.date.replace(/-/g, '')}000000`,
    license: PACKAGE_LICENSE,
    canonical: CCM_BASE,
    url: CCM_BASE,
    title: 'Chronic Care Management (ccm-fhir)',
    description:
      'FHIR R4 profiles, extensions, terminology, search parameters and operations of ccm-fhir for Medicare ' +
      'Chronic Care Management: chronic conditions with clinician attestation, CCM consent, the comprehensive ' +
      'care plan, logged non-face-to-face time and care-plan tasks.',
    fhirVersions: ['4.0.1'],
    dependencies: { 'hl7.fhir.r4.core': '4.0.1', [US_CORE_PACKAGE.name]: US_CORE_PACKAGE.version },
    author: PUBLISHER,
  };
}

/** One `.index.json` line (index-version 2, as US Core 6.1.0 and 7.0.0 have it). */
function indexEntry(filename: string, r: Record<string, unknown>): Record<string, unknown> {
  const pick = (keys: string[]) =>
    Object.fromEntries(keys.filter((k) => typeof r[k] === 'string').map((k) => [k, r[k]]));
  const byType: Record<string, string[]> = {
    StructureDefinition: ['kind', 'type', 'derivation'],
    SearchParameter: ['type'],
    CodeSystem: ['content', 'valueSet'],
  };
  return {
    filename,
    ...pick(['resourceType', 'id', 'url', 'version']),
    ...pick(byType[r.resourceType as string] ?? []),
  };
}

/** The `package/.index.json` of the packaged files. */
export function packageIndex(files: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  return {
    'index-version': 2,
    files: files.map(([rel, text]) => indexEntry(rel, JSON.parse(text) as Record<string, unknown>)),
  };
}

/** The ImplementationGuide of the package: every other packaged resource, and the US Core dependency. */
export function implementationGuide(resources: Resource[]): ImplementationGuide {
  const listed = resources
    .filter((r) => r.resourceType !== 'ImplementationGuide')
    .sort((a, b) => `${a.resourceType}/${a.id}`.localeCompare(`${b.resourceType}/${b.id}`));
  return {
    resourceType: 'ImplementationGuide',
    id: CCM_PACKAGE.name,
    url: CCM_PACKAGE.implementationGuide,
    version: RELEASE.version,
    name: 'CcmFhir',
    title: 'Chronic Care Management (ccm-fhir)',
    status: 'active',
    experimental: false,
    date: RELEASE.date,
    publisher: PUBLISHER,
    description:
      'The conformance resources of ccm-fhir for Medicare Chronic Care Management (CCM, PCM, APCM, BHI, ' +
      'CoCM): profiles, extensions, code systems, value sets, search parameters, operations and the ' +
      'requirements of a CCM server.',
    copyright: COPYRIGHT,
    packageId: CCM_PACKAGE.name,
    license: PACKAGE_LICENSE,
    fhirVersion: ['4.0.1'],
    dependsOn: [
      {
        id: 'uscore',
        uri: `http://hl7.org/fhir/us/core/ImplementationGuide/${US_CORE_PACKAGE.name}`,
        packageId: US_CORE_PACKAGE.name,
        version: US_CORE_PACKAGE.version,
      },
    ],
    definition: {
      resource: listed.map((r) => {
        const named = r as Resource & { title?: string; name?: string; description?: string };
        return {
          reference: { reference: `${r.resourceType}/${r.id}` },
          name: named.title ?? named.name ?? (r.id as string),
          ...(named.description ? { description: named.description } : {}),
          exampleBoolean: false,
        };
      }),
    },
  };
}

/** Entry date of every file in the archive: the release date. */
const MTIME = new Date(`${RELEASE.date}T00:00:00Z`);

const text = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The uncompressed tar of the package from the build's files (relative path under profiles/ → content):
 * package.json, .index.json, then each top-level resource file in name order, byte for byte.
 */
export function packageTar(files: ReadonlyMap<string, string>): Buffer {
  const packaged = [...files].filter(([rel]) => isPackaged(rel)).sort(([a], [b]) => a.localeCompare(b));
  return writeTar(
    [
      ['package/package.json', text(packageManifest())],
      ['package/.index.json', text(packageIndex(packaged))],
      ...packaged.map(([rel, content]) => [`package/${rel}`, Buffer.from(content)] as const),
    ],
    MTIME,
  );
}
