/**
 * The terminology the server bundles (R4 terminology-service.html): the R4 and v3 ValueSets and CodeSystems
 * of the R4 package, the US Core ones we load and our own. Expansions and membership sets are computed
 * once per ValueSet and cached; nothing here calls an external server.
 */
import type { CodeSystem, ValueSet } from 'fhir/r4.js';
import { CodeSystemIndex } from './code-system-index.js';
import { expandCompose, type ExpansionEntry, type ExpansionResult } from './expansion.js';

/** A coded value to check: a code with or without its system. */
export interface CodedValue {
  system?: string;
  code: string;
  display?: string;
}

/** Result of a membership check. */
export interface CodeCheck {
  result: boolean;
  /** Display of the code in the value set, when known. */
  display?: string;
  message?: string;
}

interface Membership {
  readonly entries: ExpansionEntry[];
  readonly bySystemCode: Map<string, ExpansionEntry>;
  readonly byCode: Map<string, ExpansionEntry>;
}

/** ValueSets and CodeSystems from one origin (a package bundle, profiles/). */
export interface TerminologySource {
  valueSets: Iterable<ValueSet>;
  codeSystems: Iterable<CodeSystem>;
}

/** Canonical without `|version`. */
export function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/** Bundled ValueSets and CodeSystems with expansion, validation and look-up. */
export class Terminology {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystemResources = new Map<string, CodeSystem>();
  private readonly indexes = new Map<string, CodeSystemIndex>();
  private readonly expansions = new Map<string, ExpansionResult>();
  private readonly memberships = new Map<string, Membership | null>();

  private lazy?: () => TerminologySource[];

  /**
   * Later sources override earlier ones with the same canonical URL. `lazy` sources are read on the first
   * look-up that the eager ones cannot answer, and never override them.
   */
  constructor(sources: TerminologySource[], lazy?: () => TerminologySource[]) {
    for (const s of sources) this.add(s, true);
    this.lazy = lazy;
  }

  private add(s: TerminologySource, override: boolean): void {
    for (const vs of s.valueSets) {
      if (vs.url && (override || !this.valueSets.has(vs.url))) this.valueSets.set(vs.url, vs);
    }
    for (const cs of s.codeSystems) {
      if (cs.url && (override || !this.codeSystemResources.has(cs.url)))
        this.codeSystemResources.set(cs.url, cs);
    }
  }

  /** Reads the lazy sources once; true when there were any. */
  private loadLazy(): boolean {
    const load = this.lazy;
    if (!load) return false;
    this.lazy = undefined;
    for (const s of load()) this.add(s, false);
    this.expansions.clear();
    this.memberships.clear();
    return true;
  }

  /** A bundled ValueSet by canonical (a `|version` suffix is ignored). */
  valueSet(url: string): ValueSet | undefined {
    const u = stripVersion(url);
    return this.valueSets.get(u) ?? (this.loadLazy() ? this.valueSets.get(u) : undefined);
  }

  /** A bundled CodeSystem, compiled on first use. */
  codeSystem(url: string): CodeSystemIndex | undefined {
    const u = stripVersion(url);
    let idx = this.indexes.get(u);
    if (!idx) {
      const cs =
        this.codeSystemResources.get(u) ?? (this.loadLazy() ? this.codeSystemResources.get(u) : undefined);
      if (!cs) return undefined;
      idx = new CodeSystemIndex(cs);
      this.indexes.set(u, idx);
    }
    return idx;
  }

  /** Expands any ValueSet (bundled or posted) against the bundled code systems. */
  expand(vs: ValueSet): ExpansionResult {
    return expandCompose(vs, this.sources());
  }

  /** Expands a bundled ValueSet by canonical, cached. */
  expandUrl(url: string, depth = 0): ExpansionResult {
    const u = stripVersion(url);
    let hit = this.expansions.get(u);
    if (!hit) {
      const vs = this.valueSet(u);
      hit = vs
        ? expandCompose(vs, this.sources(), depth)
        : { error: `value set ${u} is not available on this server` };
      this.expansions.set(u, hit);
    }
    return hit;
  }

  private sources() {
    return {
      codeSystem: (u: string) => this.codeSystem(u),
      expandUrl: (u: string, d: number) => this.expandUrl(u, d),
    };
  }

  private membership(url: string): Membership | null {
    const u = stripVersion(url);
    let m = this.memberships.get(u);
    if (m === undefined) {
      const r = this.expandUrl(u);
      m = 'error' in r ? null : membershipOf(r.entries);
      this.memberships.set(u, m);
    }
    return m;
  }

  /** True when the bundled ValueSet can be expanded here (so that bindings to it can be checked). */
  canCheck(url: string): boolean {
    return this.membership(url) !== null;
  }

  /**
   * Whether a code is in a bundled ValueSet (R4 valueset-operation-validate-code.html); undefined when the
   * ValueSet is unknown or cannot be expanded here. Without a system, the code alone decides.
   */
  check(url: string, value: CodedValue): CodeCheck | undefined {
    const m = this.membership(url);
    if (!m) return undefined;
    const hit =
      value.system === undefined
        ? m.byCode.get(value.code)
        : m.bySystemCode.get(`${value.system}|${value.code}`);
    if (!hit) {
      const what = value.system ? `${value.system}#${value.code}` : `'${value.code}'`;
      return { result: false, message: `${what} is not in the value set ${stripVersion(url)}` };
    }
    if (value.display !== undefined && hit.display !== undefined && value.display !== hit.display) {
      return {
        result: true,
        display: hit.display,
        message: `The display of ${value.code} is '${hit.display}'`,
      };
    }
    return { result: true, display: hit.display };
  }

  /** Every bundled ValueSet. */
  allValueSets(): ValueSet[] {
    return [...this.valueSets.values()];
  }
}

function membershipOf(entries: ExpansionEntry[]): Membership {
  const bySystemCode = new Map<string, ExpansionEntry>();
  const byCode = new Map<string, ExpansionEntry>();
  for (const e of entries) {
    bySystemCode.set(`${e.system}|${e.code}`, e);
    if (!byCode.has(e.code)) byCode.set(e.code, e);
  }
  return { entries, bySystemCode, byCode };
}
