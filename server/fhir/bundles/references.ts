/**
 * References between the entries of a Bundle (R4 http.html#trules, bundle.html#references): every
 * reference to an entry's fullUrl (urn:uuid:, urn:oid:, absolute, or relative to the entry's base) is
 * rewritten to the `Type/id` that entry was given, also in elements of type uri, url, oid, uuid and canonical
 * and in narrative links, and nowhere else: a string element (an `Identifier.value`, say) that happens to
 * equal a fullUrl is data and is kept. The element types come from the compiled R4 model; a patch document
 * has none, so in a patch every string equal to a `urn:` fullUrl is rewritten.
 * Conditional references (`Type?criteria`) are resolved by search and must match exactly one resource.
 */
import type { StorageSession } from '../../storage/document-collection.js';
import { badRequest, preconditionFailed } from '../outcomes.js';
import type { FhirServices } from '../services.js';
import { parseCriteriaString } from '../interactions/criteria.js';
import { prepareCriteria } from '../interactions/write.js';
import type { CompiledModel, TypeModel } from '../validation/model.js';

/** What the references of a Bundle resolve against. */
export interface ReferenceScope {
  baseUrl: string;
  /** An entry's fullUrl → the `Type/id` it was given. */
  targets: Map<string, string>;
  /** fullUrls of other entries, which a batch entry may not reference (http.html#brules). */
  foreign?: ReadonlySet<string>;
  /** Conditional references already resolved (`Type?criteria` → `Type/id`). */
  conditional: Map<string, string>;
}

/** A resource with its references rewritten, and the conditional references still to resolve. */
export interface Rewritten<T> {
  value: T;
  /** Unresolved conditional reference → the FHIRPath where it was first seen. */
  pending: Map<string, string>;
}

const RESTFUL_TAIL = /^(.*)\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL = /^[A-Z][A-Za-z]+\?/;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
const NARRATIVE_LINK = /\b(href|src)="(urn:(?:uuid|oid):[^"]+)"/g;

/** The base that relative references in an entry resolve against: its fullUrl's, else the server's. */
export function entryBase(baseUrl: string, fullUrl: string | undefined): string {
  const m = fullUrl && /^https?:\/\//i.test(fullUrl) ? RESTFUL_TAIL.exec(fullUrl) : null;
  return m ? m[1] : baseUrl;
}

/** Element types whose values are links the Bundle's fullUrls are replaced in (R4 http.html#trules). */
const LINK_TYPES = new Set(['uri', 'url', 'oid', 'uuid', 'canonical']);

/** Where a value sits: its element's FHIR type and the model of its children (undefined when not known). */
interface Place {
  type: string | undefined;
  model: TypeModel | undefined;
}

const UNKNOWN: Place = { type: undefined, model: undefined };

class Rewriter {
  private readonly path: Array<string | number> = [];
  readonly pending = new Map<string, string>();

  constructor(
    private readonly scope: ReferenceScope,
    private readonly base: string,
    private readonly root: string,
    /** The R4 model for a resource; undefined for a patch document (no element types). */
    private readonly types: CompiledModel | undefined,
  ) {}

  /** The FHIRPath of the element being visited. */
  where(): string {
    return this.path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${p}`),
      this.root,
    );
  }

  /**
   * `v` with its references rewritten; unchanged subtrees are shared, not copied (the input is never mutated).
   * `key` is the JSON property `v` is the value of, `parent` the model of the object holding it.
   */
  value(v: unknown, key: string, place: Place, parent: TypeModel | undefined): unknown {
    if (typeof v === 'string') return this.text(v, key, place, parent);
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        this.path.push(i);
        const next = this.value(v[i], key, place, parent);
        this.path.pop();
        if (next !== v[i]) (out ??= v.slice())[i] = next;
      }
      return out ?? v;
    }
    if (typeof v === 'object' && v !== null) {
      const obj = v as Record<string, unknown>;
      const model = this.modelOf(obj, place);
      let out: Record<string, unknown> | null = null;
      for (const k in obj) {
        this.path.push(k);
        const next = this.value(obj[k], k, this.placeOf(model, k), model);
        this.path.pop();
        if (next !== obj[k]) (out ??= { ...obj })[k] = next;
      }
      return out ?? v;
    }
    return v;
  }

  private text(v: string, key: string, place: Place, parent: TypeModel | undefined): string {
    if (!this.types) {
      if (key === 'reference') return this.reference(v);
      if (key === 'div') return v.includes('urn:') ? this.narrative(v) : v;
      return v.startsWith('urn:') ? (this.scope.targets.get(v) ?? v) : v;
    }
    // Reference.reference (or a `reference` where the model is not known: the validator refuses those later)
    if (key === 'reference' && (parent === undefined || parent.name === 'Reference')) return this.reference(v);
    if (place.type === 'xhtml') return v.includes('urn:') ? this.narrative(v) : v;
    if (place.type !== undefined && LINK_TYPES.has(place.type)) return this.scope.targets.get(v) ?? v;
    return v;
  }

  /** The model of an object's children: a resource's own (also a contained one), else its element's. */
  private modelOf(obj: Record<string, unknown>, place: Place): TypeModel | undefined {
    if (!this.types) return undefined;
    const rt = obj.resourceType;
    if (typeof rt === 'string' && (place.type === undefined || place.type === 'Resource' || !place.model)) {
      const m = this.types.resources.get(rt);
      if (m) return m;
    }
    return place.model;
  }

  private placeOf(model: TypeModel | undefined, key: string): Place {
    if (!model) return UNKNOWN;
    const slot = model.slots.get(key);
    if (slot) return { type: slot.type, model: slot.model };
    // `_name`: the id and extensions of a primitive
    if (key.startsWith('_') && this.types) return { type: 'Element', model: this.types.primitiveElement };
    return UNKNOWN;
  }

  private reference(ref: string): string {
    if (ref.startsWith('#')) return ref;
    const direct = this.scope.targets.get(ref);
    if (direct !== undefined) return direct;
    if (ref.startsWith('urn:')) throw this.unresolved(ref, this.scope.foreign?.has(ref) === true);
    if (CONDITIONAL.test(ref)) {
      const hit = this.scope.conditional.get(ref);
      if (hit !== undefined) return hit;
      if (!this.pending.has(ref)) this.pending.set(ref, this.where());
      return ref;
    }
    const m = ABSOLUTE.test(ref) ? null : RELATIVE.exec(ref);
    const key = m ? `${this.base}/${m[1]}/${m[2]}` : ref;
    const target = m ? this.scope.targets.get(key) : undefined;
    if (target !== undefined) return target;
    if (this.scope.foreign?.has(key)) throw this.unresolved(ref, true);
    return ref;
  }

  private narrative(div: string): string {
    return div.replace(NARRATIVE_LINK, (all, attr: string, url: string) => {
      const target = this.scope.targets.get(url);
      return target === undefined ? all : `${attr}="${target}"`;
    });
  }

  private unresolved(ref: string, otherEntry: boolean) {
    const why = otherEntry
      ? `refers to another entry of a batch; batch entries must be independent (http.html#brules)`
      : `matches no fullUrl in the Bundle (bundle.html#references)`;
    return badRequest(`Reference ${JSON.stringify(ref.slice(0, 120))} ${why}`, this.where(), 'not-found');
  }
}

/** `value` (a resource, or a patch document) with every in-Bundle reference rewritten, copied where changed. */
export function rewriteReferences<T>(
  scope: ReferenceScope,
  value: T,
  fullUrl: string | undefined,
  root: string,
  types?: CompiledModel,
): Rewritten<T> {
  const rw = new Rewriter(scope, entryBase(scope.baseUrl, fullUrl), root, types);
  const out = rw.value(value, '', UNKNOWN, undefined) as T;
  return { value: out, pending: rw.pending };
}

/**
 * Resolves conditional references by search inside `session` (R4 http.html#trules): exactly one match
 * is required; none or several fail the entry with 412.
 */
export async function resolveConditionalReferences(
  services: FhirServices,
  session: StorageSession | undefined,
  scope: ReferenceScope,
  pending: Map<string, string>,
): Promise<void> {
  for (const [ref, where] of pending) {
    if (scope.conditional.has(ref)) continue;
    const type = ref.slice(0, ref.indexOf('?'));
    if (!services.resourceTypes.has(type)) {
      throw badRequest(
        `Conditional reference ${JSON.stringify(ref.slice(0, 120))} names an unknown type`,
        where,
      );
    }
    // Confined to what the token may read: a reference may only resolve to a resource the token can see.
    const criteria = prepareCriteria(services, type, parseCriteriaString(ref), 'r');
    const found = await services.resources.find(type, criteria.filter, { limit: 2, tx: session });
    if (found.length !== 1) {
      const what = found.length === 0 ? 'no' : 'more than one';
      throw preconditionFailed(
        `Conditional reference ${JSON.stringify(ref.slice(0, 120))} at ${where} matches ${what} ${type} (http.html#trules)`,
        found.length === 0 ? 'not-found' : 'multiple-matches',
      );
    }
    scope.conditional.set(ref, `${type}/${found[0]._id}`);
  }
}

/**
 * Rewrites the references in `value` (a resource, with `types` the R4 model, or a patch), resolving conditional
 * ones by search first.
 */
export async function resolveReferences<T>(
  services: FhirServices,
  session: StorageSession | undefined,
  scope: ReferenceScope,
  value: T,
  fullUrl: string | undefined,
  root: string,
  types?: CompiledModel,
): Promise<T> {
  const first = rewriteReferences(scope, value, fullUrl, root, types);
  if (first.pending.size === 0) return first.value;
  await resolveConditionalReferences(services, session, scope, first.pending);
  return rewriteReferences(scope, value, fullUrl, root, types).value;
}
