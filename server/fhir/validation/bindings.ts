/**
 * Required bindings on `code` elements (R4 terminologies.html#required): the allowed codes of a ValueSet,
 * expanded from its `compose` when that is possible from the bundled ValueSets and CodeSystems alone.
 * A ValueSet that cannot be fully resolved (filters, unknown or incomplete code systems) is skipped.
 */
import type {
  CodeSystem,
  CodeSystemConcept,
  ElementDefinition,
  ValueSet,
  ValueSetComposeInclude,
} from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';

/** A resolved required binding. */
export interface RequiredBinding {
  readonly url: string;
  readonly codes: ReadonlySet<string>;
}

/** Resolves required bindings, caching each ValueSet's code set. */
export interface BindingResolver {
  /** The required binding of an element when it is resolvable; undefined otherwise. */
  requiredCodes(ed: ElementDefinition): RequiredBinding | undefined;
}

const MAX_VALUESET_NESTING = 8;

/** Creates a resolver over the bundled R4 ValueSets and CodeSystems. */
export function createBindingResolver(defs: R4Definitions): BindingResolver {
  const cache = new Map<string, RequiredBinding | null>();
  const csCache = new Map<string, ReadonlySet<string> | null>();

  const codeSystemCodes = (url: string): ReadonlySet<string> | null => {
    let codes = csCache.get(url);
    if (codes === undefined) {
      codes = collectCodeSystem(defs.codeSystems.get(url));
      csCache.set(url, codes);
    }
    return codes;
  };

  const expand = (url: string, depth: number): Set<string> | null => {
    const vs = defs.valueSets.get(stripVersion(url));
    if (!vs || depth > MAX_VALUESET_NESTING) return null;
    return expandCompose(vs, codeSystemCodes, (u) => expand(u, depth + 1));
  };

  return {
    requiredCodes(ed) {
      const url = ed.binding?.strength === 'required' ? ed.binding.valueSet : undefined;
      if (!url) return undefined;
      let hit = cache.get(url);
      if (hit === undefined) {
        const codes = expand(url, 0);
        hit = codes ? { url: stripVersion(url), codes } : null;
        cache.set(url, hit);
      }
      return hit ?? undefined;
    },
  };
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/** All codes of a complete CodeSystem (nested concepts included); null when not complete. */
function collectCodeSystem(cs: CodeSystem | undefined): ReadonlySet<string> | null {
  if (!cs || cs.content !== 'complete') return null;
  const out = new Set<string>();
  const stack: CodeSystemConcept[] = [...(cs.concept ?? [])];
  while (stack.length > 0) {
    const c = stack.pop() as CodeSystemConcept;
    out.add(c.code);
    if (c.concept) stack.push(...c.concept);
  }
  return out;
}

/** Codes selected by one include/exclude entry; null when the entry cannot be resolved locally. */
function selectCodes(
  inc: ValueSetComposeInclude,
  csCodes: (url: string) => ReadonlySet<string> | null,
  vsCodes: (url: string) => Set<string> | null,
): Set<string> | null {
  if (inc.filter && inc.filter.length > 0) return null;
  let out: Set<string> | null = null;
  if (inc.concept && inc.concept.length > 0) out = new Set(inc.concept.map((c) => c.code));
  else if (inc.system) {
    const all = csCodes(inc.system);
    if (!all) return null;
    out = new Set(all);
  }
  for (const url of inc.valueSet ?? []) {
    const sub = vsCodes(url);
    if (!sub) return null;
    out = out ? new Set([...out].filter((c) => sub.has(c))) : sub;
  }
  return out;
}

/** Expands `compose` (include minus exclude); null when any part is not resolvable. */
function expandCompose(
  vs: ValueSet,
  csCodes: (url: string) => ReadonlySet<string> | null,
  vsCodes: (url: string) => Set<string> | null,
): Set<string> | null {
  const includes = vs.compose?.include ?? [];
  if (includes.length === 0) return null;
  const out = new Set<string>();
  for (const inc of includes) {
    const codes = selectCodes(inc, csCodes, vsCodes);
    if (!codes) return null;
    for (const c of codes) out.add(c);
  }
  for (const exc of vs.compose?.exclude ?? []) {
    const codes = selectCodes(exc, csCodes, vsCodes);
    if (!codes) return null;
    for (const c of codes) out.delete(c);
  }
  return out;
}
