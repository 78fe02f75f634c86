/**
 * The committed state of one collection: documents by `_id` (never mutated in place: a write installs a new
 * object, so a reference taken earlier stays a consistent snapshot of that version) and secondary indexes.
 * After recovery the indexes may be built in the background (`deferIndexes`, `buildSome`): every use of
 * `indexes` (a query plan, a write, a constraint check) first finishes the build, so no operation ever
 * sees a partial index, and documents cannot change while a build is pending.
 */
import type { IndexKeys, IndexOptions, StoredDocument } from '../document-collection.js';
import { badValueError, duplicateKeyError, indexConflictError } from './errors.js';
import { ID_INDEX_NAME, type PlannerSource } from './planner.js';
import { parseSegment, type JournalOp } from './journal-format.js';
import { defaultIndexName, SecondaryIndex, type IndexDefinition } from './secondary-index.js';
import { parseDocsRecord } from './snapshot.js';

const EMPTY = Buffer.alloc(0);

/** Applies one recovered journal operation on documents. */
function applyOp(docs: Map<string, StoredDocument>, op: JournalOp): void {
  if ('put' in op) docs.set(op.put._id, op.put);
  else if ('del' in op) docs.delete(op.del);
}

/** Applies recovered journal changes: operations, or unparsed segments of operations. */
function applyJournal(docs: Map<string, StoredDocument>, change: JournalOp | Buffer): void {
  if (!Buffer.isBuffer(change)) applyOp(docs, change);
  else for (const op of parseSegment(change)) applyOp(docs, op);
}

/** Normalises createIndex arguments into a definition (validating the key directions). */
export function indexDefinition(keys: IndexKeys, options: IndexOptions | undefined): IndexDefinition {
  const fields = Object.keys(keys);
  if (fields.length === 0) throw badValueError('Index keys cannot be empty');
  const copy: IndexKeys = {};
  for (const field of fields) {
    const dir = keys[field];
    if (dir !== 1 && dir !== -1)
      throw badValueError(`Unsupported index direction for ${field}: ${String(dir)}`);
    if (field === '' || field.startsWith('$')) throw badValueError(`Invalid index field name: ${field}`);
    copy[field] = dir;
  }
  return {
    name: options?.name ?? defaultIndexName(copy),
    keys: copy,
    unique: options?.unique === true,
    sparse: options?.sparse === true,
  };
}

function sameKeys(a: IndexKeys, b: IndexKeys): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([f, d], i) => kb[i][0] === f && kb[i][1] === d);
}

/** An index build in progress over the documents, resumable (`rest` starts once documents are parsed). */
interface PendingBuild {
  indexes: SecondaryIndex[];
  rest: Iterator<[string, StoredDocument]> | null;
}

/** Recovered snapshot records still to parse, and the journal changes to apply after them, in order. */
interface PendingDocs {
  records: Buffer[];
  journal: Array<JournalOp | Buffer>;
  /** The next snapshot record, then (past the records) the next journal change, to apply. */
  next: number;
}

/** One collection's committed documents and indexes. */
export class CollectionState implements PlannerSource {
  private readonly map = new Map<string, StoredDocument>();
  private readonly built = new Map<string, SecondaryIndex>();
  private pending: PendingBuild | null = null;
  private unparsed: PendingDocs | null = null;

  constructor(readonly name: string) {}

  /** The committed documents (recovered records still unparsed are parsed first). */
  get docs(): Map<string, StoredDocument> {
    if (this.unparsed) this.parseSome(Infinity);
    return this.map;
  }

  /** The secondary indexes, complete (a pending build is finished first). */
  get indexes(): ReadonlyMap<string, SecondaryIndex> {
    if (this.pending) this.buildSome(Infinity);
    return this.built;
  }

  /** Takes recovered documents: parsed ones, and records to parse later with the journal changes after them. */
  deferDocs(docs: Map<string, StoredDocument>, records: Buffer[], journal: Array<JournalOp | Buffer>): void {
    for (const [id, doc] of docs) this.map.set(id, doc);
    if (records.length > 0 || journal.some((change) => Buffer.isBuffer(change)))
      this.unparsed = { records, journal, next: 0 };
    else for (const change of journal) applyJournal(this.map, change);
  }

  /** Declares indexes of recovered documents without building them yet (recovery: no uniqueness check). */
  deferIndexes(defs: Iterable<IndexDefinition>): void {
    if (this.pending) this.buildSome(Infinity);
    const indexes = [...defs].map((def) => new SecondaryIndex(def, this.name));
    if (indexes.length > 0) this.pending = { indexes, rest: null };
  }

  /** True while recovered documents are unparsed or deferred indexes are not built. */
  get building(): boolean {
    return this.unparsed !== null || this.pending !== null;
  }

  /** One slice of the background work: parses one record, or indexes up to `docs` documents. */
  step(docs: number): void {
    if (this.unparsed) this.parseSome(1);
    else this.buildSome(docs);
  }

  /**
   * Parses up to `records` recovered snapshot records or journal segments, in order (parsed journal
   * operations in between cost nothing and are applied as they come).
   */
  private parseSome(records: number): void {
    const u = this.unparsed as PendingDocs;
    const total = u.records.length + u.journal.length;
    for (let i = 0; i < records && u.next < total; u.next++) {
      if (u.next < u.records.length) {
        parseDocsRecord(u.records[u.next], this.map);
        u.records[u.next] = EMPTY;
        i++;
        continue;
      }
      const j = u.next - u.records.length;
      const change = u.journal[j];
      if (Buffer.isBuffer(change)) i++;
      applyJournal(this.map, change);
      u.journal[j] = EMPTY;
    }
    if (u.next >= total) this.unparsed = null;
  }

  /** Adds up to `docs` documents to the pending indexes; returns how many it added. */
  buildSome(docs: number): number {
    const p = this.pending;
    if (!p) return 0;
    p.rest ??= this.docs.entries();
    let n = 0;
    while (n < docs) {
      const next = p.rest.next();
      if (next.done) {
        for (const index of p.indexes) this.built.set(index.def.name, index);
        this.pending = null;
        break;
      }
      const [id, doc] = next.value;
      for (const index of p.indexes) index.add(id, doc);
      n++;
    }
    return n;
  }

  /** Throws a duplicate-key error on `_id`. */
  idTaken(id: string): Error {
    return duplicateKeyError(this.name, ID_INDEX_NAME, { _id: 1 }, { _id: id });
  }

  /**
   * Checks `doc` against every index (parallel arrays, unique keys held by another document); `ignore`
   * names documents whose committed keys do not count (those a transaction rewrites).
   */
  checkIndexes(doc: StoredDocument, ignore?: (id: string) => boolean): void {
    for (const index of this.indexes.values()) index.check(doc, doc._id, ignore);
  }

  /** Installs `doc` as the committed version of its `_id`, maintaining the indexes. */
  put(doc: StoredDocument): void {
    const before = this.docs.get(doc._id);
    for (const index of this.indexes.values()) {
      if (before) index.update(doc._id, before, doc);
      else index.add(doc._id, doc);
    }
    this.docs.set(doc._id, doc);
  }

  /** Removes the committed document `id` (no-op when absent). */
  remove(id: string): void {
    const before = this.docs.get(id);
    if (!before) return;
    for (const index of this.indexes.values()) index.remove(id, before);
    this.docs.delete(id);
  }

  /**
   * Declares an index; returns true when it was created, false when an identical one exists.
   * Throws 85/86 on a clashing definition and 11000 when a unique index meets duplicate keys.
   */
  createIndex(def: IndexDefinition): boolean {
    if (sameKeys(def.keys, { _id: 1 })) return false;
    if (def.name === ID_INDEX_NAME) throw indexConflictError(`Index name ${ID_INDEX_NAME} is reserved`, 86);
    for (const existing of [...this.built.values(), ...(this.pending?.indexes ?? [])]) {
      const keysMatch = sameKeys(existing.def.keys, def.keys);
      if (existing.def.name === def.name && !keysMatch) {
        throw indexConflictError(`An existing index has the same name (${def.name}) but different keys`, 86);
      }
      if (!keysMatch) continue;
      if (existing.def.name !== def.name) {
        throw indexConflictError(`Index already exists with a different name: ${existing.def.name}`, 85);
      }
      if (existing.def.unique !== def.unique || existing.def.sparse !== def.sparse) {
        throw indexConflictError(
          `An existing index has the same name (${def.name}) but different options`,
          85,
        );
      }
      return false;
    }
    if (this.pending) this.buildSome(Infinity);
    this.built.set(def.name, this.buildIndex(def, true));
    return true;
  }

  /** Drops the index `name` (undoing a createIndex whose journal record could not be written). */
  dropIndex(name: string): void {
    if (this.pending) this.buildSome(Infinity);
    this.built.delete(name);
  }

  /** Builds an index over the current documents (`strict`: enforce uniqueness; false during recovery). */
  buildIndex(def: IndexDefinition, strict: boolean): SecondaryIndex {
    const index = new SecondaryIndex(def, this.name);
    for (const doc of this.docs.values()) {
      if (strict) index.check(doc, doc._id);
      index.add(doc._id, doc);
    }
    return index;
  }

  /** The declared index definitions (for snapshots; a pending build stays pending). */
  indexDefinitions(): IndexDefinition[] {
    const all = [...this.built.values(), ...(this.pending?.indexes ?? [])];
    return all.map((i) => i.def);
  }
}
