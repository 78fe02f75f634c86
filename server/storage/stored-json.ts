/**
 * The stored JSON text of a version's resource, for replies that send it unchanged. An engine that keeps
 * each body as the text `JSON.stringify` made of it (SQLite) gives its documents a `resource` that is
 * parsed only when something reads it; until then `storedJson(doc)` returns the text, byte for byte what
 * `JSON.stringify(doc.resource)` would give. Once the resource has been read (and so may have been changed)
 * or replaced, the text is no longer offered and callers serialise the object as before.
 */
import type { Resource } from 'fhir/r4.js';

interface Stored {
  json: string;
  get: () => Resource;
}

const stored = new WeakMap<object, Stored>();

/**
 * Gives `doc` a `resource` property holding the resource stored as `json`, parsed on first read. The
 * property is an ordinary enumerable one to every reader (spread, `Object.keys`, assignment, `delete`).
 */
export function withStoredResource<D extends { resource?: Resource }>(doc: D, json: string): D {
  let value: Resource | undefined;
  let parsed = false;
  const get = (): Resource => {
    if (!parsed) {
      value = JSON.parse(json) as Resource;
      parsed = true;
      stored.delete(doc);
    }
    return value as Resource;
  };
  Object.defineProperty(doc, 'resource', {
    enumerable: true,
    configurable: true,
    get,
    set(v: Resource) {
      value = v;
      parsed = true;
      stored.delete(doc);
    },
  });
  stored.set(doc, { json, get });
  return doc;
}

/**
 * The stored text of `doc.resource` while nothing has read, replaced or removed it; undefined otherwise
 * (and for documents of engines that do not keep the text).
 */
export function storedJson(doc: object): string | undefined {
  const s = stored.get(doc);
  if (s === undefined) return undefined;
  // a `delete` or a redefinition of the property leaves the text behind: it no longer describes `resource`
  return Object.getOwnPropertyDescriptor(doc, 'resource')?.get === s.get ? s.json : undefined;
}
