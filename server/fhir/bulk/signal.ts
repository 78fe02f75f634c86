/**
 * In-process wake-up of a job runner (bulk export, reindex) when a job is queued (other processes find it by
 * polling). Keyed by the app's services and the kind of job, so that apps in one process (tests) do not
 * wake each other.
 */
import type { FhirServices } from '../services.js';

/** The runners that can be woken. */
export type JobKind = 'bulk' | 'reindex';

const listeners = new WeakMap<FhirServices, Map<JobKind, () => void>>();

/** Registers the runner's wake-up for these services (one per app and kind). */
export function onQueued(services: FhirServices, fn: (() => void) | undefined, kind: JobKind = 'bulk'): void {
  const map = listeners.get(services) ?? new Map<JobKind, () => void>();
  if (fn) map.set(kind, fn);
  else map.delete(kind);
  listeners.set(services, map);
}

/** Wakes the runner of these services, if one is running. */
export function notifyQueued(services: FhirServices, kind: JobKind = 'bulk'): void {
  listeners.get(services)?.get(kind)?.();
}
