/**
 * Format of `Reference.reference` (R4 references.html#literal): a relative `Type/id` or
 * `Type/id/_history/vid`, an absolute URL, a local `#id` into `contained`, or a `urn:uuid:` / `urn:oid:`
 * (resolved within a Bundle). Inside a Bundle a conditional reference `Type?query` is also accepted
 * (R4 http.html#trules).
 */
import { clip, type Problem } from './primitives.js';

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const ABSOLUTE_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^ \t\r\n]+$/;
const UUID_REF_RE = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OID_REF_RE = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
/** The RESTful tail of an absolute FHIR URL: .../Type/id(/_history/vid). */
const FHIR_URL_TAIL_RE = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Context a reference is checked in. */
export interface ReferenceContext {
  /** Every known resource type name. */
  readonly resourceTypes: ReadonlySet<string>;
  /** Resource types the element may point to; undefined when any. */
  readonly targetTypes?: ReadonlySet<string>;
  /** True inside a Bundle, where conditional references are allowed. */
  readonly inBundle: boolean;
}

function bad(message: string): Problem {
  return { code: 'value', message };
}

function checkTarget(type: string, ctx: ReferenceContext, ref: string): Problem | null {
  if (!ctx.targetTypes || ctx.targetTypes.has(type)) return null;
  return bad(
    `reference '${clip(ref)}' points to a ${type}, but this element allows only ${[...ctx.targetTypes].join(', ')}`,
  );
}

/** Checks `Type/id`, `Type/id/_history/vid` and (in a Bundle) `Type?query`. */
function checkRelative(ref: string, ctx: ReferenceContext): Problem | null {
  const q = ref.indexOf('?');
  if (q > 0 && ctx.inBundle && !ref.slice(0, q).includes('/')) {
    const type = ref.slice(0, q);
    return ctx.resourceTypes.has(type)
      ? checkTarget(type, ctx, ref)
      : bad(`conditional reference '${clip(ref)}' names an unknown resource type`);
  }
  const parts = ref.split('/');
  const versioned = parts.length === 4 && parts[2] === '_history' && ID_RE.test(parts[3]);
  if (parts.length !== 2 && !versioned) {
    return bad(
      `reference '${clip(ref)}' is not Type/id, Type/id/_history/vid, an absolute URL, #id or urn:uuid:/urn:oid:`,
    );
  }
  if (!ctx.resourceTypes.has(parts[0]))
    return bad(`reference '${clip(ref)}' names an unknown resource type '${clip(parts[0])}'`);
  if (!ID_RE.test(parts[1])) return bad(`reference '${clip(ref)}' has an invalid id`);
  return checkTarget(parts[0], ctx, ref);
}

/** Checks an absolute reference; when it ends in a known Type/id, the type must be allowed. */
function checkAbsolute(ref: string, ctx: ReferenceContext): Problem | null {
  if (ref.startsWith('urn:uuid:'))
    return UUID_REF_RE.test(ref) ? null : bad(`reference '${clip(ref)}' is not a valid urn:uuid:`);
  if (ref.startsWith('urn:oid:'))
    return OID_REF_RE.test(ref) ? null : bad(`reference '${clip(ref)}' is not a valid urn:oid:`);
  const m = FHIR_URL_TAIL_RE.exec(ref);
  return m && ctx.resourceTypes.has(m[1]) ? checkTarget(m[1], ctx, ref) : null;
}

/** Checks the format of a Reference.reference string (already known to be a non-blank string). */
export function checkReference(ref: string, ctx: ReferenceContext): Problem | null {
  if (ref.startsWith('#')) {
    return ref === '#' || ID_RE.test(ref.slice(1))
      ? null
      : bad(`local reference '${clip(ref)}' has an invalid id`);
  }
  if (/[ \t\r\n]/.test(ref)) return bad(`reference '${clip(ref)}' contains whitespace`);
  if (ABSOLUTE_RE.test(ref)) return checkAbsolute(ref, ctx);
  return checkRelative(ref, ctx);
}
