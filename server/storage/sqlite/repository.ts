/**
 * The resource repository on SQLite: versioning with the semantics of fhir/resource-store.ts (vid + 1, `lu`
 * strictly after the previous version's, POST for a first write, tombstones, If-Match and must-not-exist
 * decided inside the write transaction), search through to-sql.ts, history by key-set on (lu, key).
 * Long reads go in key-ordered chunks with a yield to the event loop between them.
 */
import type { Statement } from 'better-sqlite3';
import type { Resource } from 'fhir/r4.js';
import type {
  FindOptions,
  HistoryDoc,
  HistoryQuery,
  PutOptions,
  QueryPlan,
  ReindexChunk,
  ReindexOptions,
  RepositoryDeps,
  ResourceDoc,
  ResourceRepository,
  SearchIndex,
  Fields,
  Tx,
  Where,
  WriteResult,
} from '../repository.js';
import { checkVersion, nextInstant, nextVersion, unchangedUpdate, VersionConflict } from '../repository.js';
import { withStoredResource } from '../stored-json.js';
import { entryRow, kindOfEntry, kindOfParamType } from './entries.js';
import { ENTRY_KINDS, ENTRY_TABLES, type EntryKind } from './schema.js';
import type { SqliteStorage } from './storage.js';
import { LAST_UPDATED, Params, whereToSql, type CompileContext } from './to-sql.js';

/** The statements that delete and insert the index rows of each entry table (built once). */
const DELETE_ENTRIES = Object.fromEntries(
  ENTRY_KINDS.map((kind) => [kind, `DELETE FROM ${ENTRY_TABLES[kind].table} WHERE rk = ?`]),
) as Record<(typeof ENTRY_KINDS)[number], string>;
const INSERT_ENTRY = Object.fromEntries(
  ENTRY_KINDS.map((kind) => {
    const { table, columns } = ENTRY_TABLES[kind];
    const names = columns.map((c) => `"${c}"`).join(', ');
    const marks = columns.map(() => '?').join(', ');
    return [kind, `INSERT INTO ${table} (type, rk, param, ${names}) VALUES (?, ?, ?, ${marks})`];
  }),
) as Record<(typeof ENTRY_KINDS)[number], string>;

/** Most matches one count statement reads (a few ms); larger counts scan in slices. */
const COUNT_IN_ONE = 20_000;

/** Rows read per statement by long reads. */
export const CHUNK = 500;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface ResourceRow {
  /** The resource's row key (index rows name it by this). */
  rk?: number;
  id: string;
  vid: number;
  lu: string;
  deleted: number;
  resource?: string | null;
  sp?: string | null;
  comp?: string | null;
}

interface HistoryRow {
  type: string;
  id: string;
  vid: number;
  key: string;
  lu: string;
  method: HistoryDoc['method'];
  deleted: number;
  resource?: string | null;
}

const COLUMNS: Record<Fields, string> = {
  id: 'r.id, r.vid, r.lu, r.deleted',
  index: 'r.id, r.vid, r.lu, r.deleted, r.sp',
  resource: 'r.id, r.vid, r.lu, r.deleted, r.resource',
  indexed: 'r.id, r.vid, r.lu, r.deleted, r.resource, r.sp',
  all: 'r.id, r.vid, r.lu, r.deleted, r.resource, r.sp, r.comp',
};

function toDoc(row: ResourceRow): ResourceDoc {
  const doc: ResourceDoc = { _id: row.id, vid: row.vid, lu: row.lu };
  if (row.deleted) doc.deleted = true;
  // parsed when read: a reply that sends the version unchanged uses the stored text (stored-json.ts)
  if (row.resource) withStoredResource(doc, row.resource);
  if (row.sp) doc.sp = JSON.parse(row.sp) as Record<string, unknown[]>;
  if (row.comp) doc.comp = JSON.parse(row.comp) as string[];
  return doc;
}

function toHistory(row: HistoryRow): HistoryDoc {
  const h: HistoryDoc = {
    _id: row.key,
    t: row.type,
    rid: row.id,
    vid: row.vid,
    lu: row.lu,
    method: row.method,
  };
  if (row.deleted) h.deleted = true;
  if (row.resource) withStoredResource(h, row.resource);
  return h;
}

/** The resource repository of one SqliteStorage. */
export class SqliteRepository implements ResourceRepository {
  constructor(
    private readonly store: SqliteStorage,
    private readonly deps: RepositoryDeps,
  ) {}

  // ---------- writes ----------

  async put(type: string, id: string, resource: Resource, opts: PutOptions): Promise<WriteResult> {
    const run = async (tx: Tx) => this.putIn(tx, type, id, resource, opts);
    return opts.tx ? run(opts.tx) : this.store.transaction(run);
  }

  async delete(
    type: string,
    id: string,
    opts: { ifMatch?: number; tx?: Tx } = {},
  ): Promise<ResourceDoc | null> {
    const run = async (tx: Tx) => this.deleteIn(tx, type, id, opts.ifMatch);
    return opts.tx ? run(opts.tx) : this.store.transaction(run);
  }

  private currentRow(tx: Tx, type: string, id: string, withBody = false): ResourceRow | undefined {
    return this.store
      .statements(tx)
      .get(
        withBody
          ? 'SELECT rk, id, vid, lu, deleted, resource FROM resources WHERE type = ? AND id = ?'
          : 'SELECT rk, id, vid, lu, deleted FROM resources WHERE type = ? AND id = ?',
      )
      .get(type, id) as ResourceRow | undefined;
  }

  private putIn(tx: Tx, type: string, id: string, resource: Resource, opts: PutOptions): WriteResult {
    // A create of an id that must not exist yet (a new server id) reads nothing first: its INSERT fails on
    // the unique key if `type/id` exists in any form, tombstones included, exactly as checkVersion would.
    const blind = opts.mustNotExist === true && opts.ifMatch === undefined;
    const cur = blind ? undefined : this.currentRow(tx, type, id, true);
    checkVersion(type, id, cur, opts);
    const same = unchangedUpdate(resource, id, cur, cur?.resource);
    if (same && cur) {
      return { doc: { _id: id, vid: cur.vid, lu: cur.lu, resource: same }, created: false, unchanged: true };
    }
    const { vid, lu, stored } = nextVersion(resource, id, cur, this.deps.clock());
    const index = this.deps.extract(stored);
    this.supersede(tx, type, id, cur);
    const doc: ResourceDoc = { _id: id, vid, lu, resource: stored };
    const rk = blind ? this.insertNew(tx, type, doc, index) : this.writeCurrent(tx, type, doc, index, cur);
    this.addHistory(tx, type, id, { vid, lu, method: cur ? opts.method : 'POST' });
    // a resource that never existed has no index rows to delete
    this.writeIndex(tx, type, rk, index.sp, index.comp, !cur);
    doc.sp = index.sp;
    doc.comp = index.comp;
    return { doc, created: !cur || cur.deleted === 1 };
  }

  private deleteIn(tx: Tx, type: string, id: string, ifMatch?: number): ResourceDoc | null {
    const cur = this.currentRow(tx, type, id);
    checkVersion(type, id, cur, { ifMatch });
    if (!cur || cur.deleted) return null;
    const vid = cur.vid + 1;
    const lu = nextInstant(this.deps.clock(), cur.lu);
    const s = this.store.statements(tx);
    this.supersede(tx, type, id, cur);
    s.get(
      'UPDATE resources SET vid = ?, lu = ?, deleted = 1, resource = NULL, sp = NULL, comp = NULL WHERE rk = ?',
    ).run(vid, lu, cur.rk);
    this.addHistory(tx, type, id, { vid, lu, method: 'DELETE', deleted: true });
    this.writeIndex(tx, type, cur.rk as number, {}, []);
    return { _id: id, vid, lu, deleted: true };
  }

  /**
   * Writes one resource as another store held it, for the migration of a data directory of the engine before
   * SQLite (storage/migrate/): its current version `current` (or tombstone) with its own vid, lu and body,
   * and its `history` entries as they are (the current version's entry without a body: it is stored once, in
   * `resources`); the index rows are extracted again from the current body. `type/id` must not exist yet
   * (VersionConflict). Not part of the seam: no other caller writes versions the repository did not make.
   */
  async restore(type: string, current: ResourceDoc, history: HistoryDoc[], tx: Tx): Promise<void> {
    const id = current._id;
    if (this.currentRow(tx, type, id)) throw new VersionConflict(type, id);
    const live = !current.deleted && current.resource !== undefined;
    const index = live ? this.deps.extract(current.resource as Resource) : { sp: {}, comp: [] };
    const rk = this.writeCurrent(tx, type, current, index, undefined);
    for (const h of history) {
      const body = h.resource && !(live && h.vid === current.vid) ? h.resource : undefined;
      this.addHistory(tx, type, id, { ...h, resource: body });
    }
    if (live) this.writeIndex(tx, type, rk, index.sp, index.comp, true);
  }

  async reindex(type: string, opts: ReindexOptions): Promise<ReindexChunk> {
    const run = async (tx: Tx) => this.reindexIn(tx, type, opts);
    return opts.tx ? run(opts.tx) : this.store.transaction(run);
  }

  /** One chunk of `reindex`, on the writer inside `tx`: rows after the cursor by id (the `(type, id)` key). */
  private reindexIn(tx: Tx, type: string, opts: ReindexOptions): ReindexChunk {
    const s = this.store.statements(tx);
    const rows = s
      .get(
        'SELECT rk, id, resource FROM resources WHERE type = ? AND id > ? AND deleted = 0 ORDER BY id LIMIT ?',
      )
      .all(type, opts.after ?? '', Math.max(1, opts.limit)) as Array<{
      rk: number;
      id: string;
      resource: string;
    }>;
    const started = performance.now();
    const update = s.get('UPDATE resources SET sp = ?, comp = ? WHERE rk = ?');
    let last = opts.after;
    let count = 0;
    for (const row of rows) {
      const index = this.deps.extract(JSON.parse(row.resource) as Resource);
      update.run(JSON.stringify(index.sp), JSON.stringify(index.comp), row.rk);
      this.writeIndex(tx, type, row.rk, index.sp, index.comp);
      last = row.id;
      count++;
      if (opts.budgetMs !== undefined && performance.now() - started >= opts.budgetMs) break;
    }
    return { count, last, done: count === rows.length && rows.length < Math.max(1, opts.limit) };
  }

  /**
   * Inserts the row of a resource that must not exist yet (VersionConflict when `type/id` is taken);
   * returns its `rk`.
   */
  private insertNew(tx: Tx, type: string, doc: ResourceDoc, index: SearchIndex): number {
    const s = this.store.statements(tx);
    let rk: number;
    try {
      const info = s
        .get(
          `INSERT INTO resources (type, id, vid, lu, deleted, resource, sp, comp) VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
        )
        .run(
          type,
          doc._id,
          doc.vid,
          doc.lu,
          JSON.stringify(doc.resource),
          JSON.stringify(index.sp),
          JSON.stringify(index.comp),
        );
      rk = Number(info.lastInsertRowid);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new VersionConflict(type, doc._id);
      }
      throw err;
    }
    s.get('INSERT OR IGNORE INTO types (type) VALUES (?)').run(type);
    return rk;
  }

  /**
   * Writes the row of the current version of `type/id`: over the row `cur` (its `rk` kept), or as a new row
   * when there is none (the type recorded too); returns the row's `rk`.
   */
  private writeCurrent(
    tx: Tx,
    type: string,
    doc: ResourceDoc,
    index: SearchIndex,
    cur: ResourceRow | undefined,
  ): number {
    const s = this.store.statements(tx);
    const body = doc.deleted || !doc.resource ? null : JSON.stringify(doc.resource);
    const [sp, comp] = body === null ? [null, null] : [JSON.stringify(index.sp), JSON.stringify(index.comp)];
    const deleted = doc.deleted ? 1 : 0;
    if (cur?.rk !== undefined) {
      s.get(
        'UPDATE resources SET vid = ?, lu = ?, deleted = ?, resource = ?, sp = ?, comp = ? WHERE rk = ?',
      ).run(doc.vid, doc.lu, deleted, body, sp, comp, cur.rk);
      return cur.rk;
    }
    const info = s
      .get(
        'INSERT INTO resources (type, id, vid, lu, deleted, resource, sp, comp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(type, doc._id, doc.vid, doc.lu, deleted, body, sp, comp);
    s.get('INSERT OR IGNORE INTO types (type) VALUES (?)').run(type);
    return Number(info.lastInsertRowid);
  }

  /** Appends one history row of `type/id` (a body only for a superseded version; see `supersede`). */
  private addHistory(
    tx: Tx,
    type: string,
    id: string,
    h: Pick<HistoryDoc, 'vid' | 'lu' | 'method' | 'deleted' | 'resource'>,
  ): void {
    const body = h.resource && !h.deleted ? JSON.stringify(h.resource) : null;
    this.store
      .statements(tx)
      .get(
        'INSERT INTO history (type, id, vid, key, lu, method, deleted, resource) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(type, id, h.vid, `${type}/${id}/${h.vid}`, h.lu, h.method, h.deleted ? 1 : 0, body);
  }

  /**
   * Copies the body of the version about to be superseded into its history row (the current version's body
   * is stored once, in `resources`, until then); runs before the new version overwrites it.
   */
  private supersede(tx: Tx, type: string, id: string, cur: ResourceRow | undefined): void {
    if (!cur || cur.deleted) return;
    this.store
      .statements(tx)
      .get(
        `UPDATE history SET resource = (SELECT resource FROM resources WHERE type = @type AND id = @id)
         WHERE type = @type AND id = @id AND vid = @vid AND resource IS NULL AND deleted = 0`,
      )
      .run({ type, id, vid: cur.vid });
  }

  /** Replaces the index rows of the resource `rk` of `type`. */
  private writeIndex(
    tx: Tx,
    type: string,
    rk: number,
    sp: Record<string, unknown[]>,
    comp: string[],
    fresh = false,
  ): void {
    const s = this.store.statements(tx);
    if (!fresh) {
      for (const kind of ENTRY_KINDS) s.get(DELETE_ENTRIES[kind]).run(rk);
      s.get('DELETE FROM comp WHERE type = ? AND rk = ?').run(type, rk);
    }
    let insert: Partial<Record<EntryKind, Statement>> = {};
    if (this.insertsOf !== s) {
      this.insertsOf = s;
      this.inserts = insert;
    } else insert = this.inserts;
    for (const code in sp) {
      const entries = sp[code];
      if (!Array.isArray(entries) || !this.rowsFor(type, code)) continue;
      const declared = this.kindOf(type, code);
      for (const entry of entries) {
        const kind = declared ?? kindOfEntry(entry);
        const statement = (insert[kind] ??= s.get(INSERT_ENTRY[kind]));
        statement.run(entryRow(kind, type, rk, code, entry));
      }
    }
    if (comp.length > 0) {
      const statement = s.get('INSERT INTO comp (type, rk, compartment) VALUES (?, ?, ?)');
      for (const c of comp.length > 1 ? new Set(comp) : comp) statement.run(type, rk, c);
    }
  }

  /** The insert statements of the entry tables on the writer (prepared once). */
  private inserts: Partial<Record<EntryKind, Statement>> = {};
  private insertsOf: unknown = null;
  /** Whether each parameter of each type has index rows of its own (rowsFor). */
  private readonly withRows = new Map<string, boolean>();

  /**
   * Whether the entries of parameter `code` of `type` are written as index rows: not `_lastUpdated` (the
   * row's `lu`, to-sql.ts) nor a union of other parameters (their rows hold its entries, RepositoryDeps.unionOf).
   * The search index stored beside the resource (`sp`) keeps them all.
   */
  private rowsFor(type: string, code: string): boolean {
    const key = `${type}\u0000${code}`;
    let rows = this.withRows.get(key);
    if (rows === undefined) {
      rows = code !== LAST_UPDATED && this.deps.unionOf?.(type, code) === undefined;
      this.withRows.set(key, rows);
    }
    return rows;
  }

  /**
   * The entry table of parameter `code` of `type` (undefined: decided per entry). Looked up on every write,
   * not remembered: SearchParameters registered at run time add, change and remove parameters.
   */
  private kindOf(type: string, code: string): EntryKind | undefined {
    return kindOfParamType(this.deps.paramType(type, code));
  }

  // ---------- reads ----------

  async read(type: string, id: string, opts: { fields?: Fields; tx?: Tx } = {}): Promise<ResourceDoc | null> {
    const cols = COLUMNS[opts.fields ?? 'resource'];
    const row = this.store
      .statements(opts.tx)
      .get(`SELECT ${cols} FROM resources r WHERE r.type = ? AND r.id = ?`)
      .get(type, id) as ResourceRow | undefined;
    return row ? toDoc(row) : null;
  }

  async vread(type: string, id: string, vid: number, opts: { tx?: Tx } = {}): Promise<HistoryDoc | null> {
    const row = this.store
      .statements(opts.tx)
      .get(`${HISTORY_SELECT(true)} WHERE h.type = ? AND h.id = ? AND h.vid = ?`)
      .get(type, id, vid) as HistoryRow | undefined;
    return row ? toHistory(row) : null;
  }

  private context(type: string): CompileContext {
    return {
      type,
      kindOf: (code) => kindOfParamType(this.deps.paramType(type, code)),
      storedUnder: (code) => this.deps.unionOf?.(type, code) ?? [code],
    };
  }

  /** The SELECT of `find` without order, limit or chunk cursor, and its values. */
  private findSql(type: string, where: Where, opts: FindOptions, cols: string) {
    const ps = new Params();
    const cond = whereToSql(where, this.context(type), ps);
    const live = opts.includeDeleted ? '' : ' AND r.deleted = 0';
    const from = cond.drivenByRk ? 'resources r NOT INDEXED' : 'resources r';
    const text = `SELECT ${cols} FROM ${from} WHERE r.type = @type${live} AND (${cond.text})`;
    return { text, params: { ...cond.params, type } };
  }

  async find(type: string, where: Where, opts: FindOptions = {}): Promise<ResourceDoc[]> {
    const fields = opts.fields ?? 'all';
    const { text, params } = this.findSql(type, where, opts, COLUMNS[fields]);
    const desc = opts.order === '-id';
    const limit = opts.limit;
    if (limit !== undefined && limit <= CHUNK) {
      if (limit <= 0) return [];
      const order = opts.order ? ` ORDER BY r.id${desc ? ' DESC' : ''}` : '';
      const rows = this.store
        .statements(opts.tx)
        .get(`${text}${order} LIMIT @limit`)
        .all({ ...params, limit });
      return (rows as ResourceRow[]).map(toDoc);
    }
    const order = opts.order ? ` ORDER BY r.id${desc ? ' DESC' : ''}` : '';
    const bounded = limit !== undefined ? `${text}${order} LIMIT @limit` : `${text}${order}`;
    const values = limit !== undefined ? { ...params, limit } : params;
    if (opts.tx) {
      // inside a transaction: on the writer, which sees the transaction's own writes
      return (this.store.statements(opts.tx).get(bounded).all(values) as ResourceRow[]).map(toDoc);
    }
    // A long read: its own connection and snapshot, in time slices (SqliteStorage.scan).
    const out: ResourceDoc[] = [];
    await this.store.scan(bounded, values, (row) => {
      out.push(toDoc(row as ResourceRow));
    });
    return out;
  }

  async count(type: string, where: Where, opts: { limit?: number; tx?: Tx } = {}): Promise<number> {
    const { text, params } = this.findSql(type, where, {}, 'r.id');
    const sql = opts.limit !== undefined ? `${text} LIMIT @limit` : text;
    const values = opts.limit !== undefined ? { ...params, limit: opts.limit } : params;
    if (opts.tx) {
      const row = this.store.statements(opts.tx).get(`SELECT count(*) AS n FROM (${sql})`).get(values) as {
        n: number;
      };
      return row.n;
    }
    // Most counts are small: one bounded statement answers them; a larger one is counted by a sliced scan.
    const bound = Math.min(opts.limit ?? Infinity, COUNT_IN_ONE);
    const quick = this.store
      .statements()
      .get(`SELECT count(*) AS n FROM (${text} LIMIT @countBound)`)
      .get({ ...params, countBound: bound }) as { n: number };
    if (quick.n < bound || bound === opts.limit) return quick.n;
    let n = 0;
    await this.store.scan(sql, values, () => {
      n++;
    });
    return n;
  }

  async explain(type: string, where: Where, opts: FindOptions = {}): Promise<QueryPlan> {
    const { text, params } = this.findSql(type, where, opts, COLUMNS[opts.fields ?? 'all']);
    const order = opts.order ? ` ORDER BY r.id${opts.order === '-id' ? ' DESC' : ''}` : '';
    const limit = opts.limit !== undefined ? ' LIMIT @limit' : '';
    const sql = `EXPLAIN QUERY PLAN ${text}${order}${limit}`;
    const bound = opts.limit !== undefined ? { ...params, limit: opts.limit } : params;
    const rows = this.store.statements(opts.tx).get(sql).all(bound) as Array<{ detail: string }>;
    const detail = rows.map((r) => r.detail);
    return planOf(detail, opts.limit !== undefined && onlyKeyConditions(where));
  }

  // ---------- history ----------

  private historySql(
    q: HistoryQuery,
    withAfter: boolean,
  ): { where: string; params: Record<string, unknown> } {
    const conds: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.type !== undefined) {
      conds.push('h.type = @type');
      params.type = q.type;
      if (q.id !== undefined) {
        conds.push('h.id = @id');
        params.id = q.id;
      }
    } else if (q.types) {
      const names = q.types.map((t, i) => {
        params[`t${i}`] = t;
        return `@t${i}`;
      });
      conds.push(names.length ? `h.type IN (${names.join(', ')})` : '0');
    }
    if (q.since !== undefined) {
      conds.push(q.sinceInclusive ? 'h.lu >= @since' : 'h.lu > @since');
      params.since = q.since;
    }
    if (q.until !== undefined) {
      conds.push('h.lu <= @until');
      params.until = q.until;
    }
    if (withAfter) {
      conds.push(q.order === 'oldest' ? '(h.lu, h.key) > (@alu, @akey)' : '(h.lu, h.key) < (@alu, @akey)');
    }
    return { where: conds.length ? ` WHERE ${conds.join(' AND ')}` : '', params };
  }

  async history(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<HistoryDoc[]> {
    const dir = q.order === 'oldest' ? 'ASC' : 'DESC';
    const select = HISTORY_SELECT(q.withResource ?? true);
    const out: HistoryDoc[] = [];
    let after = q.after;
    for (;;) {
      const want = Math.min(CHUNK, q.limit === undefined ? CHUNK : q.limit - out.length);
      if (want <= 0) return out;
      const { where, params } = this.historySql(q, after !== undefined);
      if (after) {
        params.alu = after.lu;
        params.akey = after.key;
      }
      const sql = `${select}${where} ORDER BY h.lu ${dir}, h.key ${dir} LIMIT @limit`;
      const rows = this.store
        .statements(opts.tx)
        .get(sql)
        .all({ ...params, limit: want }) as HistoryRow[];
      for (const row of rows) out.push(toHistory(row));
      if (rows.length < want) return out;
      const last = rows[rows.length - 1];
      after = { lu: last.lu, key: last.key };
      await yieldToEventLoop();
    }
  }

  async historyCount(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<number> {
    const { where, params } = this.historySql(q, false);
    const row = this.store
      .statements(opts.tx)
      .get(`SELECT count(*) AS n FROM history h${where}`)
      .get(params) as {
      n: number;
    };
    return row.n;
  }

  async types(): Promise<string[]> {
    const rows = this.store.statements().get('SELECT type FROM types ORDER BY type').all() as Array<{
      type: string;
    }>;
    return rows.map((r) => r.type);
  }
}

/** The SELECT of history rows; with resources, the current version's body is taken from `resources`. */
function HISTORY_SELECT(withResource: boolean): string {
  if (!withResource) return 'SELECT h.type, h.id, h.vid, h.key, h.lu, h.method, h.deleted FROM history h';
  return (
    'SELECT h.type, h.id, h.vid, h.key, h.lu, h.method, h.deleted, COALESCE(h.resource, c.resource) AS resource ' +
    'FROM history h LEFT JOIN resources c ON h.resource IS NULL AND h.deleted = 0 AND c.type = h.type ' +
    'AND c.id = h.id AND c.vid = h.vid'
  );
}

/** True when `where` restricts nothing but the id range (a key-set page of the primary key). */
function onlyKeyConditions(where: Where): boolean {
  if (where.kind === 'all' || where.kind === 'id-range' || where.kind === 'id') return true;
  if (where.kind === 'and') return where.of.every(onlyKeyConditions);
  return false;
}

const ALIASES: Record<string, string> = { r: 'resources', c: 'comp', h: 'history' };

/** Maps EXPLAIN QUERY PLAN lines to a QueryPlan. */
export function planOf(detail: string[], keysetPage: boolean): QueryPlan {
  const indexes = new Set<string>();
  let scansType = false;
  const sortsAll = detail.some((d) => d.startsWith('USE TEMP B-TREE FOR ORDER BY'));
  for (const d of detail) {
    const m =
      /^(SCAN|SEARCH) (\w+)(?: USING (?:COVERING )?(INDEX (\w+)|PRIMARY KEY|INTEGER PRIMARY KEY))?(?: \((.*)\))?/.exec(
        d,
      );
    if (!m) continue;
    const [, op, alias, using, index, constraint] = m;
    if (index) indexes.add(index);
    else if (using) indexes.add(`${ALIASES[alias] ?? alias}(primary key)`);
    if (alias !== 'r') continue;
    // the type alone, read through the key (or the lu index): every resource of the type, unless a limit
    // over the key order stops it early (a key-set page)
    const byTypeOnly =
      constraint === 'type=?' &&
      (using === 'PRIMARY KEY' || index === 'resources_type_id' || index === 'resources_type_lu');
    if (op === 'SCAN') scansType = true;
    else if (byTypeOnly && !(keysetPage && !sortsAll)) scansType = true;
  }
  return { scansType, indexes: [...indexes], detail };
}

export type { EntryKind };
