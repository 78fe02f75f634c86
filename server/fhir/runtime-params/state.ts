/**
 * What the store keeps about search parameters beyond the SearchParameter resources themselves, in three
 * auxiliary collections (both engines, storage/repository.ts `aux`):
 *
 * - `search_param_registrations`: one document per SearchParameter registered at run time (its id, url,
 *   code, bases, the signature on each base, a revision counting its changes, and the resource), plus the
 *   `~generation` counter every change bumps (other server processes reload when it moves);
 * - `search_param_codes`: one claim per (base type, code) of a registration, so that two registrations can
 *   never take the same code of a type, even when they race;
 * - `search_index_state`: per resource type, the signature of each parameter its resources are all indexed
 *   for. A parameter whose current signature is not the recorded one is pending.
 */
import type { SearchParameter } from 'fhir/r4.js';
import type { UpdateFilter } from 'mongodb';
import type { StorageSession, StoredDocument } from '../../storage/document-collection.js';
import type { Storage } from '../../storage/repository.js';
import type { SearchParamDef, SearchRegistry } from '../search/registry.js';
import { indexSignature } from '../search/signature.js';

export const REGISTRATIONS = 'search_param_registrations';
export const CODE_CLAIMS = 'search_param_codes';
export const INDEX_STATE = 'search_index_state';
/** The id of the change counter in REGISTRATIONS (SearchParameter ids cannot contain `~`). */
export const GENERATION_ID = '~generation';

/** A SearchParameter registered at run time (`_id`: the resource's id). */
export interface Registration extends StoredDocument {
  url: string;
  code: string;
  bases: string[];
  /** The index signature of the parameter on each base. */
  sigs: Record<string, string>;
  /** 1 at registration, +1 at each change. */
  rev: number;
  resource: SearchParameter;
  registeredAt: string;
}

/** The change counter of the registrations and of the index state. */
export interface Generation extends StoredDocument {
  n: number;
}

/** A (type, code) taken by a registration (`_id`: `Type|code`). */
export interface CodeClaim extends StoredDocument {
  owner: string;
}

/** What the resources of one type (`_id`) are all indexed for: code → index signature. */
export interface IndexState extends StoredDocument {
  params: Record<string, string>;
}

/** An update document (the driver's UpdateFilter types refuse `$inc`/`$unset` on index-signature documents). */
export const update = <T>(u: Record<string, unknown>): UpdateFilter<T> => u as UpdateFilter<T>;

/** The `_id` of the claim of `code` on `type`. */
export const claimId = (type: string, code: string) => `${type}|${code}`;

/** The three collections of a store. */
export function collections(store: Storage) {
  return {
    registrations: store.aux<Registration>(REGISTRATIONS),
    claims: store.aux<CodeClaim>(CODE_CLAIMS),
    state: store.aux<IndexState>(INDEX_STATE),
  };
}

/** Bumps the change counter inside `session`. */
export async function bumpGeneration(store: Storage, session: StorageSession): Promise<void> {
  await store
    .aux<Generation>(REGISTRATIONS)
    .updateOne({ _id: GENERATION_ID }, update<Generation>({ $inc: { n: 1 } }), { upsert: true, session });
}

/** The current change counter (0 when nothing ever changed). */
export async function currentGeneration(store: Storage): Promise<number> {
  const doc = await store.aux<Generation>(REGISTRATIONS).findOne({ _id: GENERATION_ID });
  return doc?.n ?? 0;
}

/** Whether a definition has index entries at all (and so can be pending). */
export const indexed = (def: SearchParamDef): boolean => def.evaluate !== undefined;

/** The signatures of the built-in parameters of `type` that have index entries. */
export function builtInSignatures(
  registry: SearchRegistry & { builtIn(type: string, code: string): SearchParamDef | undefined },
  type: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of registry.params(type)) {
    if (def.runtime) continue;
    const builtIn = registry.builtIn(type, def.code);
    if (builtIn && indexed(builtIn)) out[def.code] = indexSignature(builtIn);
  }
  return out;
}

/** Writes, for every type, that its resources are indexed for the current built-in parameters (migration). */
export async function recordCurrentIndex(
  store: Storage,
  registry: SearchRegistry & { builtIn(type: string, code: string): SearchParamDef | undefined },
): Promise<void> {
  const { state } = collections(store);
  await store.transaction(async (session) => {
    for (const type of registry.resourceTypes) {
      const params = builtInSignatures(registry, type);
      await state.replaceOne({ _id: type }, { _id: type, params }, { upsert: true, session });
    }
  });
}
