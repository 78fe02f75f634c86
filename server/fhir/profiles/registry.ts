/**
 * The StructureDefinitions the server can validate against, by canonical (`url` or `url|version`), compiled
 * on first use and cached: ours (the CCM package), the US Core 6.1.0 ones our profiles derive from
 * (profiles/base/), the R4 base resources, on demand the R4 core profiles and extensions of the R4 package
 * (vitalsigns, SimpleQuantity, ...; read once when first named), and the FHIR packages loaded (packages/ and
 * IG_PACKAGES_DIR: US Core 3.1.1, 6.1.0, 7.0.0, ...). A canonical without a version names the copy loaded at
 * start (conformance.ts) when there is one, else the newest package version; with a version, exactly that
 * version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, StructureDefinition } from 'fhir/r4.js';
import { R4_PACKAGE_DIR, type R4Definitions } from '../definitions.js';
import type { PackageSet } from '../packages/package-set.js';
import { compileProfile } from './compile.js';
import type { ConformanceSet } from './conformance.js';
import { compileInvariant, type Invariant } from './invariants.js';
import { processCache } from './process-cache.js';
import type { CompiledProfile } from './model.js';

/** Base URL of the R4 core StructureDefinitions. */
export const R4_SD = 'http://hl7.org/fhir/StructureDefinition/';

const LAZY_BUNDLES = ['Bundle-profiles-others.json', 'Bundle-extensions.json', 'Bundle-types.json'];

/** Profiles by canonical URL. */
export class ProfileRegistry {
  private readonly sds = new Map<string, StructureDefinition>();
  private readonly compiled = new Map<string, CompiledProfile | null>();
  private readonly typeInvariantCache = new Map<string, Invariant[]>();
  private lazy?: Map<string, StructureDefinition>;
  /** Profiles whose snapshot could not be compiled, with the reason. */
  readonly errors = new Map<string, string>();

  constructor(
    private readonly defs: R4Definitions,
    private readonly conformance: ConformanceSet,
    private readonly packages?: PackageSet,
  ) {
    for (const sd of defs.resources.values()) this.sds.set(sd.url, sd);
    for (const sd of conformance.structureDefinitions) this.sds.set(sd.url, sd);
  }

  /**
   * The StructureDefinition of a canonical (ours, US Core, R4 resource, a package's; with `lazy` also R4 core
   * profiles).
   */
  definition(canonical: string, lazy = false): StructureDefinition | undefined {
    const [url, version] = canonical.split('|');
    const own = this.sds.get(url);
    if (own && (version === undefined || own.version === undefined || own.version === version)) return own;
    if (lazy && url.startsWith(R4_SD)) {
      const core = this.lazyIndex().get(url);
      if (core) return core;
    }
    const fromPackage = this.packages?.resolve<StructureDefinition>(canonical);
    return fromPackage?.resourceType === 'StructureDefinition' ? fromPackage : undefined;
  }

  /** The compiled profile of a canonical, or undefined when unknown or not compilable. */
  get(canonical: string, lazy = false): CompiledProfile | undefined {
    const hit = this.compiled.get(canonical);
    if (hit !== undefined) return hit ?? undefined;
    const sd = this.definition(canonical, lazy);
    if (!sd) return undefined;
    let out: CompiledProfile | null;
    try {
      out = compileProfile(sd);
    } catch (err) {
      this.errors.set(canonical, err instanceof Error ? err.message : String(err));
      out = null;
    }
    this.compiled.set(canonical, out);
    return out ?? undefined;
  }

  /** Compiles every profile and extension of the conformance set now (start-up), returning how many. */
  compileAll(): number {
    let n = 0;
    for (const sd of this.conformance.structureDefinitions) if (this.get(sd.url)) n++;
    return n;
  }

  /** The resource type a (target) profile constrains; `Resource` for Resource/DomainResource. */
  profileType(url: string): string | undefined {
    const bare = url.split('|')[0];
    if (bare.startsWith(R4_SD)) {
      const name = bare.slice(R4_SD.length);
      if (name === 'Resource' || name === 'DomainResource') return 'Resource';
      if (this.defs.resources.has(name)) return name;
    }
    return (
      this.conformance.profileTypes.get(bare) ??
      this.packages?.profileType(url) ??
      this.definition(bare, true)?.type
    );
  }

  /** Error-level invariants on the root of a data type (per-1 on Period, qty-3 on Quantity, ...). */
  typeInvariants(type: string): readonly Invariant[] {
    let list = this.typeInvariantCache.get(type);
    if (!list) {
      const root = this.defs.types.get(type)?.snapshot?.element[0];
      list = (root?.constraint ?? []).flatMap((c) => compileInvariant(c, type) ?? []);
      this.typeInvariantCache.set(type, list);
    }
    return list;
  }

  private lazyIndex(): Map<string, StructureDefinition> {
    this.lazy ??= processCache('r4-constraint-profiles', readR4ConstraintProfiles);
    return this.lazy;
  }
}

/** The constraint StructureDefinitions of the R4 package (core profiles, extensions, SimpleQuantity, ...). */
function readR4ConstraintProfiles(): Map<string, StructureDefinition> {
  const index = new Map<string, StructureDefinition>();
  for (const file of LAZY_BUNDLES) {
    const bundle = JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Bundle;
    for (const e of bundle.entry ?? []) {
      const sd = e.resource as StructureDefinition | undefined;
      if (sd?.resourceType === 'StructureDefinition' && sd.derivation === 'constraint' && !index.has(sd.url))
        index.set(sd.url, sd);
    }
  }
  return index;
}
