/**
 * The stored text of a version's resource, for replies that send it unchanged. An engine that keeps
 * each body as the text `JSON.stringify` made of it (SQLite) gives its documents a `resource` that is
 * parsed only when something reads it; until then `storedJson(doc)` returns the text, byte for byte what
 * `JSON.stringify(doc.resource)` would give. Once the resource has been read (and so may have been changed)
 * or replaced, the text is no longer offered and callers serialise the object as before.
 */
import type { Resource } from 'fhir/r4.js';

/** The text and state of a stored resource, in a property that copies and serialisations leave out. */
const STORED = Symbol('stored resource');

interface Stored {
  json: string;
  get: () => Resource;
  /** Read or replaced: the text no longer speaks for `resource`. */
  used: boolean;
}

/**
 * Gives `doc` a `resource` property holding the resource stored as `json`, parsed on first read. The
 * property is an ordinary enumerable one to every reader (spread, `Object.keys`, assignment, `delete`).
 */
export function withStoredResource<D extends { resource?: Resource }>(doc: D, json: string): D {
  let value: Resource | undefined;
  const state: Stored = {
    json,
    used: false,
    get: () => {
      if (!state.used) {
        value = JSON.parse(json) as Resource;
        state.used = true;
      }
      return value as Resource;
    },
  };
  Object.defineProperty(doc, 'resource', {
    enumerable: true,
    configurable: true,
    get: state.get,
    set(v: Resource) {
      value = v;
      state.used = true;
    },
  });
  // not enumerable: spread, Object.assign, JSON and structuredClone leave it out
  Object.defineProperty(doc, STORED, { value: state });
  return doc;
}

/**
 * The stored text of `doc.resource` while nothing has read, replaced or removed it; undefined otherwise
 * (and for documents of engines that do not keep the text).
 */
export function storedJson(doc: object): string | undefined {
  const s = (doc as { [STORED]?: Stored })[STORED];
  if (s === undefined || s.used) return undefined;
  // a `delete` or a redefinition of the property leaves the text behind: it no longer describes `resource`
  return Object.getOwnPropertyDescriptor(doc, 'resource')?.get === s.get ? s.json : undefined;
}
