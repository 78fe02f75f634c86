/**
 * Optimistic transactions. A transaction keeps its writes in private overlays; at commit it checks that no
 * document it wrote (or whose absence it relied on) changed since it first saw it, re-checks unique indexes,
 * then installs every write synchronously and hands back the journal operations (one record).
 */
import type { StorageSession, StoredDocument } from '../document-collection.js';
import type { CollectionState } from './collection-state.js';
import { writeConflictError } from './errors.js';
import type { PlainObject } from './json.js';
import { serializeOp, type JournalOp } from './journal-format.js';
import { matchDocuments } from './query.js';
import { inReverse, restoreLater, type Undo } from './undo.js';

/** A transaction's private view of one collection. */
export class TxCollection {
  /** The transaction's versions (null: deleted). */
  readonly writes = new Map<string, StoredDocument | null>();
  /** The committed version each touched document had when first seen (undefined: absent). */
  readonly bases = new Map<string, StoredDocument | undefined>();
  /** Upsert filters that matched nothing: still nothing may match at commit. */
  readonly absences: PlainObject[] = [];

  /** Records the committed version of `id` the first time the transaction sees it. */
  observe(id: string, committed: StoredDocument | undefined): void {
    if (!this.bases.has(id)) this.bases.set(id, committed);
  }

  /** True when the transaction wrote `id`. */
  readonly wrote = (id: string): boolean => this.writes.has(id);
}

/** The engine-side state of one transaction attempt. */
export class Transaction {
  active = true;
  readonly collections = new Map<string, TxCollection>();

  constructor(readonly owner: object) {}

  /** The overlay for `name`, created on first use. */
  collection(name: string): TxCollection {
    let tx = this.collections.get(name);
    if (!tx) {
      tx = new TxCollection();
      this.collections.set(name, tx);
    }
    return tx;
  }
}

/** The session object handed to `withTransaction` callbacks. */
export class EmbeddedSession implements StorageSession {
  constructor(readonly engineSession: Transaction) {}
}

function validateCollection(state: CollectionState, tx: TxCollection): void {
  for (const id of tx.writes.keys()) {
    if (state.docs.get(id) !== tx.bases.get(id)) throw writeConflictError(state.name, id);
  }
  for (const filter of tx.absences) {
    const found = matchDocuments(state, filter, tx.wrote, 1);
    if (found.docs.length > 0) throw writeConflictError(state.name, found.docs[0]._id);
  }
  for (const index of state.indexes.values()) {
    if (!index.def.unique) continue;
    const owners = new Map<string, string>();
    for (const [id, doc] of tx.writes) {
      if (!doc) continue;
      index.check(doc, id, tx.wrote);
      for (const { key, tuple } of index.uniqueKeys(doc)) {
        const owner = owners.get(key);
        if (owner !== undefined && owner !== id) throw index.duplicate(tuple);
        owners.set(key, id);
      }
    }
  }
}

/**
 * Validates and applies a transaction in one synchronous step; returns its serialised journal operations
 * (one record; empty when `durable` is false) and how to undo it. Throws a TransientTransactionError on
 * conflict or 11000 on a unique violation, with nothing applied.
 */
export function commitTransaction(
  tx: Transaction,
  stateOf: (name: string) => CollectionState,
  durable: boolean,
): { serialized: string[]; undo: Undo } {
  for (const [name, overlay] of tx.collections) validateCollection(stateOf(name), overlay);
  const ops: JournalOp[] = [];
  for (const [name, overlay] of tx.collections) {
    const state = stateOf(name);
    for (const [id, doc] of overlay.writes) {
      if (doc) ops.push({ c: name, put: doc });
      else if (state.docs.has(id)) ops.push({ c: name, del: id });
    }
  }
  const serialized = durable ? ops.map(serializeOp) : [];
  const undos: Undo[] = [];
  for (const op of ops) {
    const state = stateOf(op.c);
    if ('put' in op) {
      if (durable) undos.push(restoreLater(state, op.put._id));
      state.put(op.put);
    } else if ('del' in op) {
      if (durable) undos.push(restoreLater(state, op.del));
      state.remove(op.del);
    }
  }
  tx.active = false;
  return { serialized, undo: inReverse(undos) };
}
