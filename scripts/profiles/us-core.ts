/**
 * The part of US Core 6.1.0 (hl7.fhir.us.core, CC0) that the project loads: the profiles our profiles derive
 * from plus their neighbours (patient, goal, care team, encounter diagnosis), the search parameters R4 lacks,
 * the extensions and the
 * required-binding ValueSets and CodeSystems they use, and the examples claiming them. Read from the
 * package in ../shared/reference when it is there, otherwise from the copy committed in profiles/base/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Resource, StructureDefinition, ValueSet } from 'fhir/r4.js';
import { readTgz } from '../../server/fhir/packages/tgz.js';

/** Names of the US Core profiles we load. */
export const US_CORE_PROFILES = [
  'us-core-careplan',
  'us-core-careteam',
  'us-core-condition-encounter-diagnosis',
  'us-core-condition-problems-health-concerns',
  'us-core-encounter',
  'us-core-goal',
  'us-core-patient',
];

/**
 * The US Core 6.1.0 SearchParameters for parameters R4 does not define (the others restate R4's), which US
 * Core servers must answer: Condition `asserted-date`, Encounter `discharge-disposition`, CareTeam `role`,
 * Goal `description`.
 */
export const US_CORE_SEARCH_PARAMETERS = [
  'us-core-careteam-role',
  'us-core-condition-asserted-date',
  'us-core-encounter-discharge-disposition',
  'us-core-goal-description',
];

/** The US Core package our profiles derive from (the CCM package depends on it). */
export const US_CORE_PACKAGE = { name: 'hl7.fhir.us.core', version: '6.1.0' } as const;

/** Folder (under profiles/) of the committed US Core copy. */
export const US_CORE_DIR = 'base/us-core-6.1.0';

/** What the build takes from US Core. */
export interface UsCoreSelection {
  /** Profiles and extension definitions, by file name (`StructureDefinition-x.json`). */
  definitions: Map<string, Resource>;
  /** Examples claiming a loaded profile, by file name. */
  examples: Map<string, Resource>;
  /** Every US Core profile's canonical URL and the resource type it constrains (for reference targets). */
  profileTypes: Record<string, string>;
}

/** The package file next to the project clone. */
export function defaultTgzPath(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'reference', 'us-core-6.1.0', 'hl7.fhir.us.core-6.1.0.tgz');
}

function parse(buf: Buffer): Resource {
  return JSON.parse(buf.toString('utf8')) as Resource;
}

/** Selects what we load from the package's files (`package/...` paths). */
export function selectFromPackage(files: Map<string, Buffer>): UsCoreSelection {
  const byName = new Map<string, Resource>();
  const examples = new Map<string, Resource>();
  for (const [p, buf] of files) {
    if (!p.endsWith('.json')) continue;
    if (/^package\/[A-Z][A-Za-z]+-[^/]+\.json$/.test(p)) byName.set(p.slice('package/'.length), parse(buf));
    else if (p.startsWith('package/example/')) examples.set(p.slice('package/example/'.length), parse(buf));
  }
  const byUrl = new Map<string, [string, Resource]>();
  for (const [name, r] of byName) {
    const url = (r as { url?: string }).url;
    if (url) byUrl.set(url, [name, r]);
  }
  const chosen = new Map<string, Resource>();
  const add = (url: string) => {
    const hit = byUrl.get(url.split('|')[0]);
    if (hit && !chosen.has(hit[0])) {
      chosen.set(hit[0], hit[1]);
      followDependencies(hit[1], add);
    }
  };
  for (const n of US_CORE_PROFILES) add(`http://hl7.org/fhir/us/core/StructureDefinition/${n}`);
  for (const n of US_CORE_SEARCH_PARAMETERS) add(`http://hl7.org/fhir/us/core/SearchParameter/${n}`);
  const loadedUrls = new Set([...chosen.values()].map((r) => (r as StructureDefinition).url));
  const profileTypes: Record<string, string> = {};
  for (const r of [...byName.values()].sort((a, b) =>
    ((a as StructureDefinition).url ?? '').localeCompare((b as StructureDefinition).url ?? ''),
  )) {
    const sd = r as StructureDefinition;
    if (r.resourceType === 'StructureDefinition' && sd.kind === 'resource') profileTypes[sd.url] = sd.type;
  }
  const claimed = new Map<string, Resource>();
  for (const [name, r] of [...examples].sort(([a], [b]) => a.localeCompare(b))) {
    if ((r.meta?.profile ?? []).some((p) => loadedUrls.has(p))) claimed.set(name, r);
  }
  return {
    definitions: new Map([...chosen].sort(([a], [b]) => a.localeCompare(b))),
    examples: claimed,
    profileTypes,
  };
}

/** Calls `add` with the extension profiles, ValueSets and CodeSystems a definition depends on. */
function followDependencies(r: Resource, add: (url: string) => void): void {
  if (r.resourceType === 'StructureDefinition') {
    for (const e of (r as StructureDefinition).snapshot?.element ?? []) {
      for (const t of e.type ?? []) for (const p of t.profile ?? []) add(p);
      if (e.binding?.strength === 'required' && e.binding.valueSet) add(e.binding.valueSet);
      for (const system of patternSystems(e)) add(system);
    }
  } else if (r.resourceType === 'ValueSet') {
    for (const inc of [
      ...((r as ValueSet).compose?.include ?? []),
      ...((r as ValueSet).compose?.exclude ?? []),
    ]) {
      if (inc.system) add(inc.system);
      for (const v of inc.valueSet ?? []) add(v);
    }
  } else if (r.resourceType === 'CodeSystem' && (r as CodeSystem).supplements) {
    add((r as CodeSystem).supplements as string);
  }
}

/** Code systems named by the fixed or pattern Coding / CodeableConcept values of an element. */
function patternSystems(e: object): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (!/^(fixed|pattern)(Coding|CodeableConcept)$/.test(k)) continue;
    const codings = (k.endsWith('Coding') ? [v] : ((v as { coding?: unknown[] }).coding ?? [])) as {
      system?: string;
    }[];
    for (const c of codings) if (c.system) out.push(c.system);
  }
  return out;
}

function readJsonDir(dir: string): Map<string, Resource> {
  const out = new Map<string, Resource>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (/^[A-Z][A-Za-z]+-.+\.json$/.test(f))
      out.set(f, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Resource);
  }
  return out;
}

/** Loads the selection from the package when present, else from the committed copy under `profilesDir`. */
export function loadUsCore(tgzPath: string, profilesDir: string): UsCoreSelection {
  if (existsSync(tgzPath)) return selectFromPackage(readTgz(readFileSync(tgzPath)));
  const dir = path.join(profilesDir, US_CORE_DIR);
  if (!existsSync(path.join(dir, 'index.json'))) {
    throw new Error(`US Core 6.1.0 is neither at ${tgzPath} nor committed in ${dir}`);
  }
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
    profileTypes: Record<string, string>;
  };
  return {
    definitions: readJsonDir(dir),
    examples: readJsonDir(path.join(dir, 'examples')),
    profileTypes: index.profileTypes,
  };
}
