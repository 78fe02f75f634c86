/**
 * Stable paging (R4 http.html#paging, search.html#paging: "servers SHOULD ensure that ... a client paging
 * through a result set sees a consistent view"): when a search has more than one page, the ordered list of
 * the keys (`Type/id`) of everything that matched is saved as a snapshot in the `search_results` collection,
 * split in chunks of CHUNK keys (so that no document grows without bound and a page reads one or two chunks).
 * The paging links carry the snapshot id as the opaque `_page` token; each page then reads the current
 * versions of its keys. Resources created after the first page are not in the snapshot; updated ones keep
 * their place; so a client paging while others write sees no duplicate and no gap. Snapshots expire after
 * SNAPSHOT_TTL_MS and are removed by a sweep that runs at most once a minute (the DocumentCollection seam
 * has no TTL index).
 */
import { randomUUID } from 'node:crypto';
import type { DocumentCollection, DocumentStore, StoredDocument } from '../../storage/document-collection.js';
import { badRequest, FhirError, issue, STATUS } from '../outcomes.js';

/** The collection holding snapshot heads and chunks. */
export const SNAPSHOT_COLLECTION = 'search_results';
/** Keys per chunk document (equal to the largest page, so a page spans at most two chunks). */
export const CHUNK = 1000;
/** How long a snapshot can be paged through. */
export const SNAPSHOT_TTL_MS = 30 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 1000;

/** The head document of a snapshot. */
export interface SnapshotHead extends StoredDocument {
  /** What search this is (path, selection and sort), so that a token cannot page another search. */
  key: string;
  total: number;
  chunks: number;
  /** Expiry, epoch ms. */
  exp: number;
  /** How many resources matched, when that is more than the snapshot holds (`total`). */
  matched?: number;
}

interface SnapshotChunk extends StoredDocument {
  sid: string;
  keys: string[];
  exp: number;
}

type SnapshotDoc = SnapshotHead | SnapshotChunk;

const TOKEN_RE = /^[A-Za-z0-9-]{1,64}$/;

const prepared = new WeakMap<DocumentStore, { ready: Promise<void>; lastSweep: number }>();

/** The snapshot collection, its expiry index declared once per store. */
async function collection(store: DocumentStore): Promise<DocumentCollection<SnapshotDoc>> {
  const coll = store.collection<SnapshotDoc>(SNAPSHOT_COLLECTION);
  let state = prepared.get(store);
  if (!state) {
    state = { ready: coll.createIndex({ exp: 1 }, { name: 'exp' }).then(() => undefined), lastSweep: 0 };
    state.ready.catch(() => prepared.delete(store));
    prepared.set(store, state);
  }
  await state.ready;
  return coll;
}

/** Removes expired snapshots, at most once per SWEEP_EVERY_MS per store. */
async function sweep(
  store: DocumentStore,
  coll: DocumentCollection<SnapshotDoc>,
  now: number,
): Promise<void> {
  const state = prepared.get(store);
  if (!state || now - state.lastSweep < SWEEP_EVERY_MS) return;
  state.lastSweep = now;
  await coll.deleteMany({ exp: { $lt: now } });
}

/** Saves the ordered keys of a search and returns the snapshot id (the `_page` token). */
export async function saveSnapshot(
  store: DocumentStore,
  now: number,
  key: string,
  keys: readonly string[],
  matched = keys.length,
): Promise<string> {
  const coll = await collection(store);
  await sweep(store, coll, now);
  const sid = randomUUID();
  const exp = now + SNAPSHOT_TTL_MS;
  const chunks: SnapshotChunk[] = [];
  for (let i = 0; i * CHUNK < keys.length; i++) {
    chunks.push({ _id: `${sid}:${i}`, sid, keys: keys.slice(i * CHUNK, (i + 1) * CHUNK), exp });
  }
  const head: SnapshotHead = { _id: sid, key, total: keys.length, chunks: chunks.length, exp };
  if (matched > keys.length) head.matched = matched;
  await coll.insertMany([...chunks, head]);
  return sid;
}

/** The snapshot `sid` of the search `key`: 400 for a malformed or foreign token, 410 once it expired. */
export async function readSnapshot(
  store: DocumentStore,
  now: number,
  sid: string,
  key: string,
): Promise<SnapshotHead> {
  if (!TOKEN_RE.test(sid)) throw badRequest('_page is not a paging token of this server');
  const coll = await collection(store);
  const head = (await coll.findOne({ _id: sid })) as SnapshotHead | null;
  if (!head || head.exp < now) {
    throw new FhirError(STATUS.gone, [
      issue('not-found', 'These search results have expired; repeat the search from its first page'),
    ]);
  }
  if (head.key !== key) throw badRequest('_page belongs to a different search than these parameters');
  return head;
}

/** The keys at [offset, offset + count) of a snapshot, in order. */
export async function snapshotSlice(
  store: DocumentStore,
  head: SnapshotHead,
  offset: number,
  count: number,
): Promise<string[]> {
  const end = Math.min(head.total, offset + count);
  if (offset >= end) return [];
  const first = Math.floor(offset / CHUNK);
  const last = Math.floor((end - 1) / CHUNK);
  const ids = Array.from({ length: last - first + 1 }, (_, i) => `${head._id}:${first + i}`);
  const coll = await collection(store);
  const chunks = (await coll.find({ _id: { $in: ids } }).toArray()) as SnapshotChunk[];
  const byId = new Map(chunks.map((c) => [c._id, c.keys] as const));
  const keys = ids.flatMap((id) => byId.get(id) ?? []);
  const start = offset - first * CHUNK;
  return keys.slice(start, start + (end - offset));
}
