/**
 * The history collection of the MongoDB engine: the shape of its entries (`_id` is `Type/id/vid`), its
 * indexes (by resource, and `(lu, _id)` with and without the type for key-set pages, never an offset), the
 * statements a write sends to it, and the filter of a history query.
 */
import type { AnyBulkWriteOperation, Filter } from 'mongodb';
import type { StoredDocument } from '../document-collection.js';
import type { HistoryDoc, HistoryQuery, ResourceDoc } from '../repository.js';
import type { IndexSpec } from './indexes.js';

/** A current version as stored. */
export type CurrentDoc = ResourceDoc & StoredDocument;
/** A history entry as stored. */
export type HistoryEntry = HistoryDoc & StoredDocument;

/** The indexes of the history collection: by resource, and `(lu, _id)` (optionally by type) for key-set pages. */
export const HISTORY_INDEXES: IndexSpec[] = [
  { name: 't_rid_vid', key: { t: 1, rid: 1, vid: -1 } },
  { name: 'lu_id', key: { lu: 1, _id: 1 } },
  { name: 't_lu_id', key: { t: 1, lu: 1, _id: 1 } },
];

/** The history entry of a version; it holds no body while the version is current (the body is stored once). */
export function historyEntry(type: string, doc: CurrentDoc, method: HistoryDoc['method']): HistoryEntry {
  const entry: HistoryEntry = {
    _id: `${type}/${doc._id}/${doc.vid}`,
    t: type,
    rid: doc._id,
    vid: doc.vid,
    lu: doc.lu,
    method,
  };
  if (doc.deleted) entry.deleted = true;
  return entry;
}

/**
 * The history statements of one write, all `updateOne` so that the driver sends them as one `update`
 * command: the superseded version's body copied into its entry (which held none; matching nothing when
 * that entry is a deletion or already has its body), then the new entry as an upsert that inserts only
 * (`$setOnInsert`; `upsertedCount` 0 means the entry already existed: a conflict).
 */
export function historyWrites(
  type: string,
  cur: CurrentDoc | null,
  entry: HistoryEntry,
): AnyBulkWriteOperation<HistoryEntry>[] {
  const ops: AnyBulkWriteOperation<HistoryEntry>[] = [];
  if (cur && !cur.deleted && cur.resource) {
    ops.push({
      updateOne: {
        filter: {
          _id: `${type}/${cur._id}/${cur.vid}`,
          deleted: { $ne: true },
          resource: { $exists: false },
        },
        update: { $set: { resource: cur.resource } },
      },
    });
  }
  const { _id, ...fields } = entry;
  ops.push({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } });
  return ops;
}

/** The filter of a history query; with `withCursor`, only the entries beyond `after` in the order read. */
export function historyFilter(q: HistoryQuery, withCursor: boolean): Filter<HistoryEntry> {
  const parts: Filter<HistoryEntry>[] = [];
  if (q.type !== undefined) parts.push({ t: q.type });
  else if (q.types) parts.push({ t: { $in: q.types } });
  if (q.id !== undefined) parts.push({ rid: q.id });
  const lu: Record<string, string> = {};
  if (q.since !== undefined) lu[q.sinceInclusive ? '$gte' : '$gt'] = q.since;
  if (q.until !== undefined) lu.$lte = q.until;
  if (Object.keys(lu).length > 0) parts.push({ lu });
  if (withCursor && q.after) {
    const op = (q.order ?? 'newest') === 'newest' ? '$lt' : '$gt';
    parts.push({ $or: [{ lu: { [op]: q.after.lu } }, { lu: q.after.lu, _id: { [op]: q.after.key } }] });
  }
  if (parts.length === 0) return {};
  return parts.length === 1 ? parts[0] : { $and: parts };
}
