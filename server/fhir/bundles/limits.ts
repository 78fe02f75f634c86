/**
 * Size limits of transaction and batch Bundles (R4 http.html#transaction): the number of entries is
 * checked here (413 when over), the size in bytes by the body reader (BODY_LIMIT, also 413).
 */
import type { FhirServices } from '../services.js';

/** The limits a Bundle POSTed to the base must respect. */
export interface BundleLimits {
  /** Most entries accepted in one transaction or batch Bundle. */
  maxEntries: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { maxEntries: 10000 };

const configured = new WeakMap<FhirServices, BundleLimits>();

/** Sets the Bundle limits of one app's services (createFhirServices calls it from the configuration). */
export function configureBundles(services: FhirServices, limits: Partial<BundleLimits>): void {
  configured.set(services, { maxEntries: limits.maxEntries ?? DEFAULT_BUNDLE_LIMITS.maxEntries });
}

/** The Bundle limits in force for these services. */
export function bundleLimits(services: FhirServices): BundleLimits {
  return configured.get(services) ?? DEFAULT_BUNDLE_LIMITS;
}
