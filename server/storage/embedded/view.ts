/**
 * A collection as one operation sees it: either the committed state (writes apply immediately and are
 * journaled) or a transaction's overlay merged with the committed state (writes stay private until commit).
 * Every method is synchronous, so an operation's match-and-apply cannot interleave with another's.
 */
import type { StoredDocument } from '../document-collection.js';
import type { CollectionState } from './collection-state.js';
import { cloneJson, type PlainObject } from './json.js';
import { serializeOp, type JournalOp } from './journal-format.js';
import { compileFilter, matchDocuments, type MatchResult } from './query.js';
import type { TxCollection } from './transaction.js';
import { inReverse, restoreLater, type Undo } from './undo.js';

/** Reads and writes of one operation against one collection. */
export interface CollectionView {
  readonly name: string;
  /** Documents matching `filter`, stopping after `stopAfter` matches. */
  match(filter: PlainObject, stopAfter?: number): MatchResult;
  /** The current version of `id`, if any. */
  get(id: string): StoredDocument | undefined;
  /** Throws on a duplicate `_id` (when `isNew`) or unique key, or an unindexable document. */
  check(doc: StoredDocument, isNew: boolean): void;
  /** Installs a new version. */
  put(doc: StoredDocument): void;
  /** Deletes `id`. */
  remove(id: string): void;
  /** Records that an upsert relied on nothing matching `filter`. */
  noteAbsence(filter: PlainObject): void;
  /** Makes the operation's writes durable (journal) — a no-op inside a transaction. */
  flush(): Promise<void>;
}

/**
 * Journals serialised operations as one record (null: memory-only store); `undo` reverts their changes
 * to the committed state when the record cannot be made durable.
 */
export type Journal = ((serialized: string[], undo: Undo) => Promise<void>) | null;

/**
 * Direct access to the committed state; writes are collected into one journal record. Each operation is
 * serialised before it is applied, so a document the journal cannot hold changes nothing.
 */
export class CommittedView implements CollectionView {
  private readonly ops: string[] = [];
  private readonly undos: Undo[] = [];

  constructor(
    private readonly state: CollectionState,
    private readonly journal: Journal,
  ) {}

  /** Serialises `op` and captures how to undo it (before it is applied). */
  private record(op: JournalOp, id: string): void {
    if (!this.journal) return;
    this.ops.push(serializeOp(op));
    this.undos.push(restoreLater(this.state, id));
  }

  get name(): string {
    return this.state.name;
  }

  match(filter: PlainObject, stopAfter?: number): MatchResult {
    return matchDocuments(this.state, filter, null, stopAfter);
  }

  get(id: string): StoredDocument | undefined {
    return this.state.docs.get(id);
  }

  check(doc: StoredDocument, isNew: boolean): void {
    if (isNew && this.state.docs.has(doc._id)) throw this.state.idTaken(doc._id);
    this.state.checkIndexes(doc);
  }

  put(doc: StoredDocument): void {
    this.record({ c: this.state.name, put: doc }, doc._id);
    this.state.put(doc);
  }

  remove(id: string): void {
    this.record({ c: this.state.name, del: id }, id);
    this.state.remove(id);
  }

  noteAbsence(): void {}

  flush(): Promise<void> {
    if (!this.journal || this.ops.length === 0) return Promise.resolve();
    return this.journal(this.ops.splice(0), inReverse(this.undos.splice(0)));
  }
}

/** A transaction's overlay merged with the committed state. */
export class TxView implements CollectionView {
  constructor(
    private readonly state: CollectionState,
    private readonly tx: TxCollection,
  ) {}

  get name(): string {
    return this.state.name;
  }

  match(filter: PlainObject, stopAfter = Infinity): MatchResult {
    const committed = matchDocuments(this.state, filter, this.tx.wrote, stopAfter);
    for (const doc of committed.docs) this.tx.observe(doc._id, doc);
    const docs = committed.docs;
    let examined = committed.examined;
    if (docs.length < stopAfter && this.tx.writes.size > 0) {
      const test = compileFilter(filter);
      for (const doc of this.tx.writes.values()) {
        if (!doc) continue;
        examined++;
        if (test(doc)) docs.push(doc);
        if (docs.length >= stopAfter) break;
      }
    }
    return { docs, examined, indexName: committed.indexName };
  }

  get(id: string): StoredDocument | undefined {
    if (this.tx.writes.has(id)) return this.tx.writes.get(id) ?? undefined;
    const doc = this.state.docs.get(id);
    this.tx.observe(id, doc);
    return doc;
  }

  check(doc: StoredDocument, isNew: boolean): void {
    if (isNew && this.get(doc._id) !== undefined) throw this.state.idTaken(doc._id);
    // Against committed data here; duplicates among the transaction's own writes are caught at commit.
    this.state.checkIndexes(doc, this.tx.wrote);
  }

  put(doc: StoredDocument): void {
    this.tx.observe(doc._id, this.state.docs.get(doc._id));
    this.tx.writes.set(doc._id, doc);
  }

  remove(id: string): void {
    this.tx.observe(id, this.state.docs.get(id));
    this.tx.writes.set(id, null);
  }

  noteAbsence(filter: PlainObject): void {
    this.tx.absences.push(cloneJson(filter));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
