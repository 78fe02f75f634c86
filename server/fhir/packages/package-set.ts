/**
 * FHIR packages (the `.tgz` files IGs publish: package/package.json, package/.index.json and one JSON file per
 * resource) as data the server validates against, without unpacking them to disk.
 *
 * - At start only each package's manifest is read: its package.json and its `.index.json` (which lists every
 *   resource's file, type, url and version). The manifest of a package file is cached under
 *   `node_modules/.cache/ccm-fhir/packages/` by name, size and modification time, so a start reads a few
 *   small JSON files, not megabytes of gzip.
 * - A package's files are decompressed the first time one of its resources is asked for, and kept.
 * - The resources of the CCM package, which the server needs whole at start, are cached the same way as one
 *   JSON file (`resources()`).
 * - The requirements CapabilityStatements a package declares are summarised into its cached manifest
 *   (requirements.ts), so that the CapabilityStatement's `instantiates` needs no decompression either.
 * - A canonical with a version (`url|6.1.0`) names that version; without one it names the newest version
 *   loaded (R4 references.html#canonical).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapabilityStatement, Resource } from 'fhir/r4.js';
import { writeJsonCache } from '../json-cache.js';
import { processCache } from '../profiles/process-cache.js';
import { requirementsOf, type CapabilityRequirements } from './requirements.js';
import { readTgz } from './tgz.js';

/** The packages/ folder of this checkout: the IG packages that ship with the project. */
export const PACKAGES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'packages',
);

/** The folders the server reads packages from, in order: packages/, then IG_PACKAGES_DIR when set. */
export function packageDirs(igPackagesDir: string | undefined): string[] {
  return [PACKAGES_DIR, ...(igPackagesDir ? [path.resolve(igPackagesDir)] : [])];
}

/**
 * The packages of packages/ and IG_PACKAGES_DIR, their manifests read once per process (and cached on disk
 * under node_modules/.cache/ccm-fhir/packages).
 */
export function openPackageSet(igPackagesDir?: string): PackageSet {
  const dirs = packageDirs(igPackagesDir);
  return processCache(`packages:${dirs.join('\u0000')}`, () =>
    PackageSet.open(dirs, defaultCacheDir(path.dirname(PACKAGES_DIR))),
  );
}

/** What the CapabilityStatement and `npm run ig -- list` say of a package. */
export interface PackageInfo {
  name: string;
  version: string;
  /** The IG's canonical base (package.json `canonical`), e.g. http://hl7.org/fhir/us/core. */
  canonical?: string;
  title?: string;
  /** The canonical of the package's ImplementationGuide resource, with its version, when it has one. */
  implementationGuide?: string;
  /** The package file. */
  file: string;
}

/** One line of a package's `.index.json`. */
interface IndexEntry {
  filename: string;
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  kind?: string;
  type?: string;
}

interface Manifest {
  info: Omit<PackageInfo, 'file'>;
  fhirVersions: string[];
  files: IndexEntry[];
  /** The requirements CapabilityStatements (for servers) of the package. */
  requirements: CapabilityRequirements[];
}

/** Bump when the cached manifest's shape changes. */
const MANIFEST_FORMAT = 2;
/** Bump when the cached resources of a package change shape. */
const RESOURCES_FORMAT = 1;

/** A package file that is not a FHIR R4 package, with why. */
export class PackageError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = 'PackageError';
  }
}

function json<T>(buf: Buffer | undefined, file: string, what: string): T {
  if (!buf) throw new PackageError(file, `no ${what}`);
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new PackageError(file, `${what} is not JSON`);
  }
}

/** Reads a package's manifest from the archive itself (package.json and .index.json). */
export function readManifest(file: string, given?: Map<string, Buffer>): Manifest {
  let files = given;
  if (!files) {
    try {
      files = readTgz(readFileSync(file));
    } catch (err) {
      throw new PackageError(file, `not a gzipped tar FHIR package (${(err as Error).message})`);
    }
  }
  const pkg = json<{
    name?: unknown;
    version?: unknown;
    canonical?: unknown;
    title?: unknown;
    fhirVersions?: unknown;
  }>(files.get('package/package.json'), file, 'package/package.json');
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string')
    throw new PackageError(file, 'package.json has no name and version');
  const fhirVersions = Array.isArray(pkg.fhirVersions) ? pkg.fhirVersions.map(String) : [];
  const index = json<{ files?: IndexEntry[] }>(files.get('package/.index.json'), file, 'package/.index.json');
  const entries = (index.files ?? []).filter(
    (f) => typeof f.filename === 'string' && typeof f.resourceType === 'string',
  );
  const requirements = entries
    .filter((e) => e.resourceType === 'CapabilityStatement')
    .flatMap((e) => {
      const buf = files.get(`package/${e.filename}`);
      const cs = buf ? json<CapabilityStatement>(buf, file, e.filename) : undefined;
      return (cs && requirementsOf(cs)) ?? [];
    });
  return {
    info: {
      name: pkg.name,
      version: pkg.version,
      canonical: typeof pkg.canonical === 'string' ? pkg.canonical : undefined,
      title: typeof pkg.title === 'string' ? pkg.title : undefined,
    },
    fhirVersions,
    files: entries,
    requirements,
  };
}

/** Checks that a package is for FHIR R4 (4.0.x); throws a PackageError saying why not. */
export function checkR4(file: string, manifest: Manifest): void {
  if (!manifest.fhirVersions.some((v) => v.startsWith('4.0'))) {
    throw new PackageError(
      file,
      `package ${manifest.info.name}#${manifest.info.version} is for FHIR ${manifest.fhirVersions.join(', ') || '(none stated)'}, not R4 (4.0.x)`,
    );
  }
}

function cachedManifest(file: string, cacheDir: string | undefined): Manifest {
  if (!cacheDir) return readManifest(file);
  const st = statSync(file);
  const key = `${path.basename(file)}-${st.size}-${Math.round(st.mtimeMs)}-${MANIFEST_FORMAT}.json`;
  const cached = path.join(cacheDir, key);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as Manifest;
  } catch {
    // not cached yet
  }
  const manifest = readManifest(file);
  writeJsonCache(cached, manifest); // when the cache is read-only, the archive is read at each start
  return manifest;
}

/** Orders versions `6.1.0` < `7.0.0` (numeric parts; a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return y !== undefined && /^\d+$/.test(y) ? -1 : 1;
    if (y === undefined) return /^\d+$/.test(x) ? 1 : -1;
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return c;
  }
  return 0;
}

/** The default cache folder: node_modules/.cache/ccm-fhir/packages of this checkout, when node_modules exists. */
export function defaultCacheDir(root: string): string | undefined {
  const nm = path.join(root, 'node_modules');
  return existsSync(nm) ? path.join(nm, '.cache', 'ccm-fhir', 'packages') : undefined;
}

interface Loaded {
  info: PackageInfo;
  manifest: Manifest;
  files?: Map<string, Buffer>;
}

/** One file of a package, parsed; the package is decompressed on first use and kept. */
function read<T extends Resource = Resource>(l: Loaded, e: IndexEntry): T | undefined {
  l.files ??= readTgz(readFileSync(l.info.file));
  const buf = l.files.get(`package/${e.filename}`);
  return buf ? (JSON.parse(buf.toString('utf8')) as T) : undefined;
}

/** The packages of some folders, by canonical. */
export class PackageSet {
  private readonly loaded: Loaded[] = [];
  /** url → [package, index entry], newest version first. */
  private readonly byUrl = new Map<string, Array<[Loaded, IndexEntry]>>();

  private constructor(private readonly cacheDir?: string) {}

  /** Reads the manifests of every `*.tgz` in `dirs` (missing folders are skipped); throws on a bad package. */
  static open(dirs: string[], cacheDir?: string): PackageSet {
    const set = new PackageSet(cacheDir);
    const seen = new Set<string>();
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) {
        if (!f.endsWith('.tgz')) continue;
        const file = path.join(dir, f);
        const manifest = cachedManifest(file, cacheDir);
        checkR4(file, manifest);
        const id = `${manifest.info.name}#${manifest.info.version}`;
        if (seen.has(id)) continue; // the same package in two folders: the first wins
        seen.add(id);
        const ig = manifest.files.find((e) => e.resourceType === 'ImplementationGuide' && e.url);
        const implementationGuide = ig ? `${ig.url}|${ig.version ?? manifest.info.version}` : undefined;
        set.add({ info: { ...manifest.info, implementationGuide, file }, manifest });
      }
    }
    return set;
  }

  private add(l: Loaded): void {
    this.loaded.push(l);
    for (const e of l.manifest.files) {
      if (!e.url) continue;
      const list = this.byUrl.get(e.url) ?? [];
      list.push([l, e]);
      list.sort(([a], [b]) => compareVersions(b.info.version, a.info.version));
      this.byUrl.set(e.url, list);
    }
  }

  /** The packages loaded, in folder and name order. */
  get packages(): PackageInfo[] {
    return this.loaded.map((l) => l.info);
  }

  /** The resource a canonical names (`url` or `url|version`), or undefined. */
  resolve<T extends Resource = Resource>(canonical: string): T | undefined {
    const [url, version] = canonical.split('|');
    const hit = this.entry(url, version);
    return hit ? read<T>(hit[0], hit[1]) : undefined;
  }

  /** The newest version loaded of the package `name`, or undefined. */
  newest(name: string): PackageInfo | undefined {
    return this.newestLoaded(name)?.info;
  }

  /**
   * Every resource its index lists, of the newest version loaded of the package `name` (none when absent).
   * With a cache folder they are cached there as one JSON file (by file name, size and modification time,
   * like the manifests), so that a start parses one file instead of unpacking the archive.
   */
  resources(name: string): Resource[] {
    const l = this.newestLoaded(name);
    if (!l) return [];
    const all = () => l.manifest.files.flatMap((e) => read(l, e) ?? []);
    if (!this.cacheDir) return all();
    const st = statSync(l.info.file);
    const key = `${path.basename(l.info.file)}-${st.size}-${Math.round(st.mtimeMs)}-resources-${RESOURCES_FORMAT}.json`;
    const cached = path.join(this.cacheDir, key);
    try {
      return JSON.parse(readFileSync(cached, 'utf8')) as Resource[];
    } catch {
      // not cached yet
    }
    const resources = all();
    writeJsonCache(cached, resources); // when the cache is read-only, the archive is read at each start
    return resources;
  }

  /** The requirements CapabilityStatements of the packages loaded, with the package that declares each. */
  get requirements(): Array<{ package: PackageInfo; statement: CapabilityRequirements }> {
    return this.loaded.flatMap((l) =>
      l.manifest.requirements.map((statement) => ({ package: l.info, statement })),
    );
  }

  private newestLoaded(name: string): Loaded | undefined {
    return this.loaded
      .filter((l) => l.info.name === name)
      .sort((a, b) => compareVersions(b.info.version, a.info.version))[0];
  }

  /** Every resource of `resourceType` the packages hold (decompressing the packages that have any). */
  resourcesOfType<T extends Resource = Resource>(resourceType: string): T[] {
    const out: T[] = [];
    for (const l of this.loaded) {
      for (const e of l.manifest.files) {
        const r = e.resourceType === resourceType ? read<T>(l, e) : undefined;
        if (r) out.push(r);
      }
    }
    return out;
  }

  /** The StructureDefinition `type` a profile canonical constrains, from the index (no decompression). */
  profileType(canonical: string): string | undefined {
    const [url, version] = canonical.split('|');
    const hit = this.entry(url, version);
    return hit && hit[1].resourceType === 'StructureDefinition' ? hit[1].type : undefined;
  }

  /** The versions loaded of a canonical URL, newest first. */
  versions(url: string): string[] {
    return (this.byUrl.get(url) ?? []).map(([, e]) => e.version ?? '');
  }

  private entry(url: string, version: string | undefined): [Loaded, IndexEntry] | undefined {
    const list = this.byUrl.get(url);
    if (!list) return undefined;
    if (version === undefined) return list[0];
    return list.find(([l, e]) => (e.version ?? l.info.version) === version);
  }
}
