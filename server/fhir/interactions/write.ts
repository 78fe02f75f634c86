/**
 * create, update and delete, plain and conditional (R4 http.html#create, #ccreate, #update,
 * #cond-update, #delete, #3.1.0.7.1). Versions are decided by compare-and-set in the ResourceStore;
 * conditional creates that race are decided by a unique conditional key written in the same transaction.
 */
import { newResourceId } from '../new-id.js';
import type { Resource } from 'fhir/r4.js';
import {
  isDuplicateKeyError,
  type StorageSession,
  type StoredDocument,
} from '../../storage/document-collection.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import { preconditionFailed } from '../outcomes.js';
import { etagOf, parseVersionEtag } from '../preconditions.js';
import {
  StaleVersion,
  VersionConflict,
  type ResourceDoc,
  type Where,
  type WriteResult,
} from '../resource-store.js';
import type { FhirServices } from '../services.js';
import type { Permission } from '../access/scopes.js';
import { resourceBody } from './body.js';
import { criteriaFilter, criteriaKey, parseCriteriaString } from './criteria.js';
import { checkId } from './read.js';
import { versionHeaders, writeReply } from './respond.js';

export const CONDITIONAL_KEYS = 'conditional_keys';

interface ConditionalKey extends StoredDocument {
  rid: string;
}

/** The version an `If-Match` header names, if any (400 when it is not a version ETag). */
export function ifMatchOf(req: FhirRequest): number | undefined {
  const raw = req.headers['if-match'];
  return raw === undefined ? undefined : parseVersionEtag(raw, 'If-Match');
}

/** Maps a StaleVersion to the 412 reply of http.html#concurrency; other errors pass through. */
export function staleToFhir(err: unknown): unknown {
  if (!(err instanceof StaleVersion)) return err;
  return preconditionFailed(
    `If-Match version ${err.expected} does not match ${err.type}/${err.id} (current: ${err.current ?? 'none'})`,
  );
}

/** Maps the store's version errors to FHIR replies (412 for If-Match, per http.html#concurrency). */
async function guard<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    throw staleToFhir(err);
  }
}

/** Runs `fn` again when a concurrent conditional write took the same key first (bounded). */
export async function retryConflicts<R>(fn: () => Promise<R>): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = err instanceof VersionConflict || isDuplicateKeyError(err);
      if (!retryable || attempt >= 50) throw err;
    }
  }
}

/**
 * Claims the conditional key of `criteria` for a new resource id inside `session`: exactly one of several
 * racing transactions can claim it, the others fail with VersionConflict and run their search again.
 */
export async function claimKey(
  services: FhirServices,
  session: StorageSession,
  key: string,
  rid: string,
): Promise<void> {
  const keys = services.store.aux<ConditionalKey>(CONDITIONAL_KEYS);
  const prior = await keys.findOne({ _id: key }, { session });
  if (prior) {
    const r = await keys.replaceOne({ _id: key, rid: prior.rid }, { _id: key, rid }, { session });
    if (r.matchedCount !== 1) throw new VersionConflict(CONDITIONAL_KEYS, key);
  } else {
    await keys.insertOne({ _id: key, rid }, { session });
  }
}

/** What conditional criteria matched: nothing or exactly one resource. */
export type Match = { kind: 'none' } | { kind: 'one'; doc: ResourceDoc };

/** Searches `filter` inside `session`; 412 `multiple-matches` when more than one resource matches. */
export async function matchOne(
  services: FhirServices,
  type: string,
  filter: Where,
  session: StorageSession,
): Promise<Match> {
  const found = await services.resources.find(type, filter, { limit: 2, tx: session });
  if (found.length > 1) {
    throw preconditionFailed(`The criteria match more than one ${type}`, 'multiple-matches');
  }
  return found.length === 1 ? { kind: 'one', doc: found[0] } : { kind: 'none' };
}

/** Conditional criteria prepared once: the filter that selects and the key that serialises creates. */
export interface Criteria {
  type: string;
  filter: Where;
  key: string;
}

/**
 * Parses conditional criteria strictly (criteria.ts) into a filter, confined to what the token reaches with
 * `perm` (the interaction's permission), and a conditional key.
 */
export function prepareCriteria(
  services: FhirServices,
  type: string,
  params: Array<[string, string]>,
  perm: Permission,
): Criteria {
  return { type, filter: criteriaFilter(services, type, params, [perm]), key: criteriaKey(type, params) };
}

/** Conditional create inside `session`: the single match, or a new resource claiming the key (http.html#ccreate). */
export async function conditionalCreateIn(
  services: FhirServices,
  session: StorageSession,
  criteria: Criteria,
  resource: Resource,
): Promise<Match | WriteResult> {
  const match = await matchOne(services, criteria.type, criteria.filter, session);
  if (match.kind === 'one') return match;
  const id = newResourceId();
  await claimKey(services, session, criteria.key, id);
  return services.resources.put(criteria.type, id, resource, {
    method: 'POST',
    tx: session,
    mustNotExist: true,
  });
}

/** The id a conditional update writes: the single match's, else the body's or a new one (http.html#cond-update). */
export function conditionalUpdateTarget(match: Match, type: string, body: Resource): string {
  if (match.kind === 'one') {
    if (body.id !== undefined && body.id !== match.doc._id) {
      throw preconditionFailed(`The body's id ${body.id} differs from the matching ${type}/${match.doc._id}`);
    }
    return match.doc._id;
  }
  const id = body.id ?? newResourceId();
  checkId(id);
  return id;
}

/** Conditional update inside `session`; a create claims the criteria key so that racing creates make one. */
export async function conditionalUpdateIn(
  services: FhirServices,
  session: StorageSession,
  criteria: Criteria,
  body: Resource,
  ifMatch: number | undefined,
): Promise<WriteResult> {
  const match = await matchOne(services, criteria.type, criteria.filter, session);
  const id = conditionalUpdateTarget(match, criteria.type, body);
  if (match.kind === 'none') await claimKey(services, session, criteria.key, id);
  return services.resources.put(criteria.type, id, body, { method: 'PUT', ifMatch, tx: session });
}

/** Conditional delete inside `session`: deletes the single match; null when nothing matched. */
export async function conditionalDeleteIn(
  services: FhirServices,
  session: StorageSession,
  criteria: Criteria,
): Promise<ResourceDoc | null> {
  const match = await matchOne(services, criteria.type, criteria.filter, session);
  if (match.kind === 'none') return null;
  return services.resources.delete(criteria.type, match.doc._id, { tx: session });
}

/** POST [base]/[type], with `If-None-Exist` for a conditional create. */
export async function createInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
): Promise<FhirResponse> {
  const body = resourceBody(services, req, type);
  const { id: _ignored, ...resource } = body; // http.html#create: the server ignores a client id.
  const ifNoneExist = req.headers['if-none-exist'];
  if (ifNoneExist === undefined) {
    const r = await services.resources.put(type, newResourceId(), resource as Resource, { method: 'POST' });
    return writeReply(services, req, type, r.doc, 201, `Created ${type}/${r.doc._id}`);
  }
  const criteria = prepareCriteria(services, type, parseCriteriaString(ifNoneExist), 'c');
  const outcome = await retryConflicts(() =>
    services.store.transaction((session) =>
      conditionalCreateIn(services, session, criteria, resource as Resource),
    ),
  );
  if ('kind' in outcome) {
    if (outcome.kind === 'one') {
      return writeReply(
        services,
        req,
        type,
        outcome.doc,
        200,
        `${type}/${outcome.doc._id} already matches; nothing created`,
      );
    }
    throw new Error('unreachable: no match without a write');
  }
  return writeReply(services, req, type, outcome.doc, 201, `Created ${type}/${outcome.doc._id}`);
}

/** The message of a written update: created, updated, or unchanged (no new version, storage/repository.ts). */
export function writtenMessage(r: WriteResult, type: string, id: string): string {
  if (r.unchanged) return `${type}/${id} unchanged: its current version ${r.doc.vid} has this content`;
  return `${r.created ? 'Created' : 'Updated'} ${type}/${id}`;
}

/** PUT [base]/[type]/[id]: update, or update-as-create for a new id (http.html#update). */
export async function updateInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  checkId(id);
  const resource = resourceBody(services, req, type, id);
  const ifMatch = ifMatchOf(req);
  const r = await guard(() => services.resources.put(type, id, resource, { method: 'PUT', ifMatch }));
  const status = r.created ? 201 : 200;
  return writeReply(services, req, type, r.doc, status, writtenMessage(r, type, id));
}

/** PUT [base]/[type]?criteria: conditional update (http.html#cond-update). */
export async function conditionalUpdateInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
): Promise<FhirResponse> {
  const body = resourceBody(services, req, type);
  const criteria = prepareCriteria(services, type, req.query, 'u');
  const ifMatch = ifMatchOf(req);
  const result = await guard(() =>
    retryConflicts(() =>
      services.store.transaction((session) =>
        conditionalUpdateIn(services, session, criteria, body, ifMatch),
      ),
    ),
  );
  const status = result.created ? 201 : 200;
  return writeReply(services, req, type, result.doc, status, writtenMessage(result, type, result.doc._id));
}

/** DELETE [base]/[type]/[id]: a soft delete; later reads answer 410 (http.html#delete). */
export async function deleteInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
  id: string,
): Promise<FhirResponse> {
  checkId(id);
  const ifMatch = ifMatchOf(req);
  const doc = await guard(() => services.resources.delete(type, id, { ifMatch }));
  return { status: 204, headers: doc ? { etag: etagOf(doc.vid) } : {} };
}

/** DELETE [base]/[type]?criteria: conditional delete of a single match (http.html#3.1.0.7.1). */
export async function conditionalDeleteInteraction(
  services: FhirServices,
  req: FhirRequest,
  type: string,
): Promise<FhirResponse> {
  const criteria = prepareCriteria(services, type, req.query, 'd');
  const doc = await retryConflicts(() =>
    services.store.transaction((session) => conditionalDeleteIn(services, session, criteria)),
  );
  return { status: 204, headers: doc ? versionHeaders(doc.vid, doc.lu) : {} };
}
