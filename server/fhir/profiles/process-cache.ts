/**
 * Immutable data read from disk once per process. Kept on globalThis under a registered symbol rather than
 * in module scope, so that a module evaluated again in the same process (jest gives every test file its own
 * module registry) reuses the parsed data instead of reading and holding another copy.
 */

/** Returns the value cached under `key`, computing it on first use. */
export function processCache<T>(key: string, make: () => T): T {
  const sym = Symbol.for(`ccm-fhir:${key}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  let hit = store[sym];
  if (hit === undefined) {
    hit = make();
    store[sym] = hit;
  }
  return hit;
}
