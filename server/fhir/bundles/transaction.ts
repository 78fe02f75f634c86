/**
 * Transaction processing (R4 http.html#transaction, #trules): every entry is planned, resolved, checked
 * and applied inside one storage transaction, so that either all of them take effect or none does; the
 * order is DELETE, then POST, then PUT/PATCH, then GET/HEAD, whatever the order of the entries. A failing
 * entry aborts the transaction with its own status and an OperationOutcome naming `Bundle.entry[n]`.
 * The entries are processed in slices (limits.ts): every phase, planning and checking as well as writing,
 * yields to the event loop after every few entries so that a large transaction does not hold up other
 * requests. Yielding inside the storage transaction exposes nothing: its writes stay private to it until
 * the commit installs them all at once (SQLite: one transaction on the writer connection while other
 * requests read committed data on their own; MongoDB: a multi-document transaction), so other requests see
 * all of it or none of it.
 */
import type { BundleEntry, Resource } from 'fhir/r4.js';
import type { Operation } from 'fast-json-patch';
import type { StorageSession } from '../../storage/document-collection.js';
import type { FhirRequest } from '../request.js';
import { badRequest } from '../outcomes.js';
import type { PreferReturn } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { checkResource } from '../interactions/body.js';
import { retryConflicts } from '../interactions/write.js';
import {
  applyRead,
  applyWrite,
  sessionServices,
  type PreparedWrite,
  type RouteFn,
  type WriteContext,
} from './apply.js';
import { entryError, forEntry } from './entry-error.js';
import { slicer } from './limits.js';
import type { EntryMethod, ParsedEntry } from './parse-entries.js';
import { checkOverlaps, planEntry, targetsOf, type Action } from './plan.js';
import { resolveReferences, type ReferenceScope } from './references.js';
import { compiledModelOf } from '../validation/model.js';

/** One Bundle being processed. */
export interface BundleRun {
  services: FhirServices;
  /** The POST that carried the Bundle (Prefer, request id). */
  req: FhirRequest;
  route: RouteFn;
  prefer: PreferReturn;
}

type Phase = 'delete' | 'create' | 'update' | 'read';

/** The processing order of R4 http.html#trules. */
export const PHASES: readonly Phase[] = ['delete', 'create', 'update', 'read'];

/** The phase an entry's method belongs to. */
export function phaseOf(method: EntryMethod): Phase {
  if (method === 'DELETE') return 'delete';
  if (method === 'POST') return 'create';
  if (method === 'PUT' || method === 'PATCH') return 'update';
  return 'read';
}

/** Fails when two entries share a fullUrl (bundle.html: fullUrl is unique within a Bundle). */
export function checkFullUrls(entries: ParsedEntry[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (!e.fullUrl) continue;
    const prior = seen.get(e.fullUrl);
    if (prior !== undefined) {
      throw entryError(
        e.index,
        badRequest(
          `fullUrl ${e.fullUrl.slice(0, 120)} is also the fullUrl of entry ${prior}`,
          'Bundle.entry.fullUrl',
        ),
      );
    }
    seen.set(e.fullUrl, e.index);
  }
}

/** Rewrites references in a write entry's resource (or patch), then checks the resource against R4. */
async function prepareWrite(
  services: FhirServices,
  session: StorageSession,
  scope: ReferenceScope,
  e: ParsedEntry,
  action: PreparedWrite['action'],
): Promise<PreparedWrite> {
  if (action.kind === 'patch') {
    const patch = await resolveReferences<Operation[]>(
      services,
      session,
      scope,
      e.patch ?? [],
      e.fullUrl,
      'Binary',
    );
    return { entry: e, action, patch };
  }
  if ((action.kind !== 'create' && action.kind !== 'update') || !e.resource) return { entry: e, action };
  const rewritten = await resolveReferences<Resource>(
    services,
    session,
    scope,
    e.resource,
    e.fullUrl,
    e.type,
    compiledModelOf(services.definitions),
  );
  if (action.kind === 'create') {
    const { id: _ignored, ...body } = rewritten; // http.html#create: a client id is ignored.
    return { entry: e, action, resource: checkResource(services, body, e.type) };
  }
  return { entry: e, action, resource: checkResource(services, rewritten, e.type, e.id) };
}

/** Plans the entries of `phases` (in entry order) into `actions`. */
async function planPhase(
  services: FhirServices,
  session: StorageSession,
  entries: ParsedEntry[],
  actions: Action[],
  phases: ReadonlySet<Phase>,
  pause: () => Promise<void>,
): Promise<void> {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    if (!phases.has(phaseOf(e.method))) continue;
    await pause();
    actions[k] = await forEntry(e.index, e.type, () => planEntry(services, session, e));
  }
}

/** Applies the planned deletes (step 1 of http.html#trules), writing their response entries into `out`. */
async function applyDeletes(
  ctx: WriteContext,
  entries: ParsedEntry[],
  actions: Action[],
  out: BundleEntry[],
  pause: () => Promise<void>,
) {
  for (let k = 0; k < entries.length; k++) {
    const a = actions[k];
    const e = entries[k];
    if (a?.kind !== 'delete') continue;
    await pause();
    out[k] = await forEntry(e.index, e.type, () => applyWrite(ctx, { entry: e, action: a }));
  }
}

/** Resolves references and checks the resource of every create, update and patch before any is written. */
async function prepareAll(
  services: FhirServices,
  session: StorageSession,
  scope: ReferenceScope,
  entries: ParsedEntry[],
  actions: Action[],
  pause: () => Promise<void>,
): Promise<Array<PreparedWrite | undefined>> {
  const writes: Array<PreparedWrite | undefined> = [];
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    const a = actions[k];
    if (a.kind === 'read' || a.kind === 'delete') {
      writes.push(undefined);
      continue;
    }
    await pause();
    writes.push(await forEntry(e.index, e.type, () => prepareWrite(services, session, scope, e, a)));
  }
  return writes;
}

/**
 * One attempt of the transaction inside `session`; re-run from scratch when the engine retries it.
 * Deletes are resolved and applied first, so that the searches of conditional creates and updates see
 * them; then every remaining identity is fixed, references rewritten and resources checked before the
 * creates, then the updates and patches, are written; reads come last (http.html#trules).
 */
async function attempt(
  run: BundleRun,
  session: StorageSession,
  entries: ParsedEntry[],
  foreign: ReadonlySet<string> | undefined,
): Promise<BundleEntry[]> {
  const { services } = run;
  const ctx: WriteContext = { services, session, prefer: run.prefer };
  const out: BundleEntry[] = new Array(entries.length);
  const actions: Action[] = new Array(entries.length);
  const pause = slicer(services);
  await planPhase(services, session, entries, actions, new Set<Phase>(['delete']), pause);
  await applyDeletes(ctx, entries, actions, out, pause);
  await planPhase(services, session, entries, actions, new Set<Phase>(['create', 'update', 'read']), pause);
  checkOverlaps(entries, actions);
  const targets = targetsOf(entries, actions);
  const scope: ReferenceScope = { baseUrl: services.baseUrl, targets, foreign, conditional: new Map() };
  const writes = await prepareAll(services, session, scope, entries, actions, pause);
  let readServices: FhirServices | undefined;
  for (const phase of PHASES.slice(1)) {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (phaseOf(e.method) !== phase) continue;
      await pause();
      const w = writes[k];
      if (w) {
        out[k] = await forEntry(e.index, e.type, () => applyWrite(ctx, w));
      } else {
        readServices ??= sessionServices(services, session);
        const rs = readServices;
        out[k] = await forEntry(e.index, e.type, () => applyRead(run.route, rs, run.req, e));
      }
    }
  }
  return out;
}

/**
 * Runs `entries` as one all-or-nothing transaction and returns their response entries (in the order of
 * `entries`). `foreign` lists fullUrls the entries may not reference (a batch's other entries).
 */
export function runTransaction(
  run: BundleRun,
  entries: ParsedEntry[],
  foreign?: ReadonlySet<string>,
): Promise<BundleEntry[]> {
  return retryConflicts(() =>
    run.services.store.transaction((session) => attempt(run, session, entries, foreign)),
  );
}
