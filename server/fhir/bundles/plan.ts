/**
 * Step 1 of a transaction (R4 http.html#trules): decide the identity every write entry acts on before
 * anything is written. POST gets a new id (or, with ifNoneExist, the single match: no create); PUT keeps
 * its URL id or resolves its criteria; DELETE resolves its criteria. Overlapping identities fail.
 */
import { newResourceId } from '../new-id.js';
import type { StorageSession } from '../../storage/document-collection.js';
import { badRequest } from '../outcomes.js';
import type { ResourceDoc } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import { parseCriteriaString } from '../interactions/criteria.js';
import { conditionalUpdateTarget, matchOne, prepareCriteria } from '../interactions/write.js';
import { entryError } from './entry-error.js';
import type { ParsedEntry } from './parse-entries.js';

/** What an entry will do, with the identity it acts on. */
export type Action =
  | { kind: 'read' }
  /** Create `id`; `claim` is the conditional key to claim (conditional create that matched nothing). */
  | { kind: 'create'; id: string; claim?: string }
  /** A conditional create that matched: nothing is written. */
  | { kind: 'matched'; doc: ResourceDoc }
  | { kind: 'update'; id: string; claim?: string }
  | { kind: 'patch'; id: string }
  /** Delete `id`; undefined when conditional criteria matched nothing. */
  | { kind: 'delete'; id?: string };

/** Decides the action of one entry, searching inside `session` for conditional ones. */
export async function planEntry(
  services: FhirServices,
  session: StorageSession,
  e: ParsedEntry,
): Promise<Action> {
  switch (e.method) {
    case 'GET':
    case 'HEAD':
      return { kind: 'read' };
    case 'PATCH':
      return { kind: 'patch', id: e.id as string };
    case 'POST': {
      if (e.ifNoneExist === undefined) return { kind: 'create', id: newResourceId() };
      const criteria = prepareCriteria(services, e.type, parseCriteriaString(e.ifNoneExist), 'c');
      const match = await matchOne(services, e.type, criteria.filter, session);
      return match.kind === 'one'
        ? { kind: 'matched', doc: match.doc }
        : { kind: 'create', id: newResourceId(), claim: criteria.key };
    }
    case 'PUT': {
      if (e.id !== undefined) return { kind: 'update', id: e.id };
      const criteria = prepareCriteria(services, e.type, e.query, 'u');
      const match = await matchOne(services, e.type, criteria.filter, session);
      const id = conditionalUpdateTarget(match, e.type, e.resource ?? { resourceType: e.type });
      return match.kind === 'one' ? { kind: 'update', id } : { kind: 'update', id, claim: criteria.key };
    }
    case 'DELETE': {
      if (e.id !== undefined) return { kind: 'delete', id: e.id };
      const criteria = prepareCriteria(services, e.type, e.query, 'd');
      const match = await matchOne(services, e.type, criteria.filter, session);
      return { kind: 'delete', id: match.kind === 'one' ? match.doc._id : undefined };
    }
  }
}

/** The `Type/id` an action acts on, if any. */
export function identityOf(e: ParsedEntry, a: Action): string | undefined {
  if (a.kind === 'read') return undefined;
  if (a.kind === 'matched') return `${e.type}/${a.doc._id}`;
  return a.id === undefined ? undefined : `${e.type}/${a.id}`;
}

/** Fails when two entries act on the same resource or claim the same conditional key (http.html#trules). */
export function checkOverlaps(entries: ParsedEntry[], actions: Action[]): void {
  const seen = new Map<string, number>();
  entries.forEach((e, k) => {
    const a = actions[k];
    const keys = [identityOf(e, a), 'claim' in a && a.claim ? `criteria ${a.claim}` : undefined];
    for (const key of keys) {
      if (key === undefined) continue;
      const prior = seen.get(key);
      if (prior !== undefined) {
        throw entryError(
          e.index,
          badRequest(
            `Entries ${prior} and ${e.index} both act on ${key}; a transaction may act on a resource once (http.html#trules)`,
          ),
        );
      }
      seen.set(key, e.index);
    }
  });
}

/** fullUrl → `Type/id` for every entry that creates, matches or updates a resource. */
export function targetsOf(entries: ParsedEntry[], actions: Action[]): Map<string, string> {
  const targets = new Map<string, string>();
  entries.forEach((e, k) => {
    const a = actions[k];
    if (!e.fullUrl || (a.kind !== 'create' && a.kind !== 'matched' && a.kind !== 'update')) return;
    targets.set(e.fullUrl, identityOf(e, a) as string);
  });
  return targets;
}
