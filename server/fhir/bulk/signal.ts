/**
 * In-process wake-up of the export runner when a job is queued (other processes find it by polling).
 * Keyed by the app's services, so that apps in one process (tests) do not wake each other.
 */
import type { FhirServices } from '../services.js';

const listeners = new WeakMap<FhirServices, () => void>();

/** Registers the runner's wake-up for these services (one per app). */
export function onQueued(services: FhirServices, fn: (() => void) | undefined): void {
  if (fn) listeners.set(services, fn);
  else listeners.delete(services);
}

/** Wakes the runner of these services, if one is running. */
export function notifyQueued(services: FhirServices): void {
  listeners.get(services)?.();
}
