/**
 * The StructureDefinitions the server can validate against, by canonical URL, compiled on first use and
 * cached: ours, the US Core 6.1.0 ones we load, the R4 base resources, and, on demand, the R4 core
 * profiles and extensions of the R4 package (vitalsigns, SimpleQuantity, ...; read once when first named).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, StructureDefinition } from 'fhir/r4.js';
import { R4_PACKAGE_DIR, type R4Definitions } from '../definitions.js';
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
  ) {
    for (const sd of defs.resources.values()) this.sds.set(sd.url, sd);
    for (const sd of conformance.structureDefinitions) this.sds.set(sd.url, sd);
  }

  /** The StructureDefinition of a canonical (ours, US Core, R4 resource; with `lazy` also R4 core profiles). */
  definition(url: string, lazy = false): StructureDefinition | undefined {
    return this.sds.get(url) ?? (lazy && url.startsWith(R4_SD) ? this.lazyIndex().get(url) : undefined);
  }

  /** The compiled profile of a canonical, or undefined when unknown or not compilable. */
  get(url: string, lazy = false): CompiledProfile | undefined {
    const hit = this.compiled.get(url);
    if (hit !== undefined) return hit ?? undefined;
    const sd = this.definition(url, lazy);
    if (!sd) return undefined;
    let out: CompiledProfile | null;
    try {
      out = compileProfile(sd);
    } catch (err) {
      this.errors.set(url, err instanceof Error ? err.message : String(err));
      out = null;
    }
    this.compiled.set(url, out);
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
    return this.conformance.profileTypes.get(bare) ?? this.definition(bare, true)?.type;
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
