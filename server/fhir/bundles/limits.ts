/**
 * Size limits of transaction and batch Bundles (R4 http.html#transaction): the number of entries is
 * checked here (413 when over), the size in bytes by the body reader (BODY_LIMIT, also 413). Long Bundles
 * are processed in slices: after every `sliceEntries` entries the processing yields to the event loop
 * (setImmediate), so that other requests are served while a large Bundle runs instead of waiting for it.
 */
import type { FhirServices } from '../services.js';

/** The limits a Bundle POSTed to the base must respect, and the slice size of its processing. */
export interface BundleLimits {
  /** Most entries accepted in one transaction or batch Bundle. */
  maxEntries: number;
  /** Entries processed between two yields to the event loop. */
  sliceEntries: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { maxEntries: 10000, sliceEntries: 50 };

const configured = new WeakMap<FhirServices, BundleLimits>();

/** Sets the Bundle limits of one app's services (createFhirServices calls it from the configuration). */
export function configureBundles(services: FhirServices, limits: Partial<BundleLimits>): void {
  configured.set(services, {
    maxEntries: limits.maxEntries ?? DEFAULT_BUNDLE_LIMITS.maxEntries,
    sliceEntries: limits.sliceEntries ?? DEFAULT_BUNDLE_LIMITS.sliceEntries,
  });
}

/** The Bundle limits in force for these services. */
export function bundleLimits(services: FhirServices): BundleLimits {
  return configured.get(services) ?? DEFAULT_BUNDLE_LIMITS;
}

/** Resolves once the event loop has turned (pending I/O and timers run first). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A pause to await before each entry of a Bundle's processing: it yields to the event loop after every
 * `sliceEntries` entries (counted over all the phases of the Bundle) and resolves at once otherwise.
 */
export function slicer(services: FhirServices): () => Promise<void> {
  const { sliceEntries } = bundleLimits(services);
  let done = 0;
  return async () => {
    if (++done % sliceEntries === 0) await yieldToEventLoop();
  };
}
