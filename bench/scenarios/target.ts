/** What every scenario runs against, and the outcome it reports. */
import type { DatasetIds } from '../support/dataset.js';
import type { LoadResult } from '../support/load.js';

/** A running server loaded with a dataset. */
export interface Target {
  /** http://127.0.0.1:port */
  origin: string;
  /** origin + /fhir */
  base: string;
  pid: number | undefined;
  ids: DatasetIds;
  /** The last complete month of the dataset (`YYYY-MM`): time entries and the billing report. */
  month: string;
  seconds: number;
  /** Sent with every request (the Bearer token when the server enforces SMART). */
  headers: Record<string, string>;
}

/** A load scenario's outcome: measured, or not available on this server (with the status it answered). */
export type ScenarioOutcome =
  | ({ status: 'ok'; scenario: string; note?: string } & LoadResult)
  | { status: 'unavailable'; scenario: string; connections: number; reason: string };

/** Marks a scenario unavailable. */
export function unavailable(scenario: string, connections: number, reason: string): ScenarioOutcome {
  return { status: 'unavailable', scenario, connections, reason };
}

/** A deterministic cyclic picker over a non-empty list, offset per connection. */
export function cycler<T>(items: readonly T[], connection: number, stride = 7919): () => T {
  let i = connection * 104729;
  return () => items[(i++ * stride) % items.length];
}
