/**
 * The tables of the SQLite engine. Current versions live in `resources` (a rowid table: its integer key
 * `rk` names the resource in every index row, and a unique index on `(type, id)` finds it by id), every
 * version in `history` (the current version's body is stored once, in `resources`, and copied into its
 * history row when a later version supersedes it), and the search index of each current version in one
 * table per search-parameter type, one row per index entry.
 */

/** Index tables per parameter type, with their entry columns (keys of fhir/search/index-entry.ts). */
export const ENTRY_TABLES = {
  token: { table: 'ix_token', columns: ['s', 'c', 't', 'ts', 'tc'] },
  string: { table: 'ix_string', columns: ['v', 'e'] },
  date: { table: 'ix_date', columns: ['lo', 'hi'] },
  number: { table: 'ix_number', columns: ['v'] },
  quantity: { table: 'ix_quantity', columns: ['v', 'lo', 'hi', 's', 'c', 'u', 'n', 'nlo', 'nhi'] },
  reference: { table: 'ix_reference', columns: ['r', 't', 'is', 'iv'] },
  uri: { table: 'ix_uri', columns: ['v'] },
  /** Composite entries (and any entry of a type not listed here) as JSON. */
  json: { table: 'ix_json', columns: ['entry'] },
} as const;

export type EntryKind = keyof typeof ENTRY_TABLES;

export const ENTRY_KINDS = Object.keys(ENTRY_TABLES) as EntryKind[];

/**
 * The schema version stored in `PRAGMA user_version`. 2: the indexes on columns most entries leave empty
 * (token text, reference identifier, canonical quantity unit) are partial, without those entries. 3:
 * `resources` and `history` are rowid tables with a unique index on their key, and index rows name their
 * resource by its `rk` (see RESOURCE_TABLES and ENTRY_COLUMNS).
 */
export const SCHEMA_VERSION = 3;

/**
 * `resources` and `history` hold bodies of kilobytes (a resource and its search index as JSON, about 3 KB
 * for a Synthea resource). In a WITHOUT ROWID table (schema 2) every row is a key: rows live in the
 * interior pages too (a fan-out of a few rows per page), anything past about 1 KB goes to overflow pages,
 * and every key comparison of a lookup or insert reads the whole row, overflow pages included (SQLite's own
 * guidance keeps such tables to rows under 1/20th of a page). As rowid tables the rows stay on their leaves
 * (up to about 4 KB in place), a new row is appended at the end, and lookups by `(type, id)` go through a
 * small unique index of the key alone. `rk` (the rowid, declared so that it never changes) is given once,
 * when a resource is first written, and kept by its later versions and its tombstone.
 */
const RESOURCE_TABLES = {
  resources: {
    columns: `rk INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL,
      lu TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, resource TEXT, sp TEXT, comp TEXT`,
    names: 'type, id, vid, lu, deleted, resource, sp, comp',
    key: 'resources_type_id ON resources (type, id)',
  },
  history: {
    columns: `type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, key TEXT NOT NULL, lu TEXT NOT NULL,
      method TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, resource TEXT`,
    names: 'type, id, vid, key, lu, method, deleted, resource',
    key: 'history_type_id_vid ON history (type, id, vid)',
  },
} as const;

/**
 * The leading columns of every index row: the resource's type (searches read `(type, param, value...)`)
 * and its `rk`. Index rows used to carry `(type, id)`, the id a random UUID for imported data: every entry
 * then also went into a `(type, id)` index at a random place (a page written per entry at each commit),
 * and every index key carried the 36-character id. `rk` grows with each new resource, so the rows of a
 * commit go to the end of the `rk` index, and keys end in a small integer.
 */
const ENTRY_COLUMNS = 'type TEXT NOT NULL, rk INTEGER NOT NULL, param TEXT NOT NULL';

/** Per-kind index definitions (beyond the `rk` index every entry table has); each ends in `rk`. */
const ENTRY_INDEXES: Record<EntryKind, string[]> = {
  token: ['type, param, c, s', 'type, param, t'],
  string: ['type, param, v', 'type, param, e'],
  date: ['type, param, lo', 'type, param, hi'],
  number: ['type, param, v'],
  quantity: ['type, param, c, lo', 'type, param, n, nlo'],
  reference: ['type, param, r', 'type, param, iv'],
  uri: ['type, param, v'],
  json: ['type, param'],
};

/**
 * Indexes that hold only the entries with a value in a column (`WHERE col IS NOT NULL`), by name: each
 * search on that column compares it (`t >= ?`, `iv = ?`, `n = ?`), which SQLite takes as implying the
 * condition, and the entries without a value (most: a coding without display, every reference by id, a
 * unit outside UCUM) cost no insert into them.
 */
const PARTIAL: Record<string, string> = {
  ix_token_1: 't',
  ix_reference_1: 'iv',
  ix_quantity_1: 'n',
};

/**
 * The statements that bring a database of schema version `from` (1 or more, below SCHEMA_VERSION) to the
 * version before `schemaSql()` completes it: version 1's full indexes that became partial are dropped, and
 * `schemaSql()` creates them again as partial ones.
 */
export function upgradeSql(from: number): string {
  const parts: string[] = [];
  if (from < 2) for (const name of Object.keys(PARTIAL)) parts.push(`DROP INDEX IF EXISTS ${name}`);
  if (from < 3) parts.push(...toVersion3());
  return parts.length ? parts.join(';\n') + ';' : '';
}

/**
 * Schema 2 to 3: `resources` and `history` copied into rowid tables (`rk` given in key order), the index
 * rows and compartments rewritten with their resource's `rk`; the old tables are dropped with their indexes,
 * and `schemaSql()` creates the new indexes.
 */
function toVersion3(): string[] {
  const parts: string[] = [];
  for (const [table, t] of Object.entries(RESOURCE_TABLES)) {
    parts.push(
      `CREATE TABLE ${table}_v3 (${t.columns})`,
      `INSERT INTO ${table}_v3 (${t.names}) SELECT ${t.names} FROM ${table} ORDER BY type, id`,
      `DROP TABLE ${table}`,
      `ALTER TABLE ${table}_v3 RENAME TO ${table}`,
    );
  }
  const byKey = 'JOIN resources r ON r.type = x.type AND r.id = x.id';
  for (const kind of ENTRY_KINDS) {
    const { table, columns } = ENTRY_TABLES[kind];
    const cols = columns.map((c) => `"${c}"`).join(', ');
    const xcols = columns.map((c) => `x."${c}"`).join(', ');
    parts.push(
      `CREATE TABLE ${table}_v3 (${ENTRY_COLUMNS}, ${cols})`,
      // `_lastUpdated` has no index rows any more: it is the row's own `lu` (to-sql.ts)
      `INSERT INTO ${table}_v3 (type, rk, param, ${cols}) SELECT x.type, r.rk, x.param, ${xcols} FROM ${table} x ${byKey} WHERE x.param <> '_lastUpdated' ORDER BY r.rk`,
      `DROP TABLE ${table}`,
      `ALTER TABLE ${table}_v3 RENAME TO ${table}`,
    );
  }
  parts.push(
    `CREATE TABLE comp_v3 (${COMP_COLUMNS}) WITHOUT ROWID`,
    `INSERT INTO comp_v3 (type, rk, compartment) SELECT x.type, r.rk, x.compartment FROM comp x ${byKey}`,
    'DROP TABLE comp',
    'ALTER TABLE comp_v3 RENAME TO comp',
  );
  return parts;
}

/** The patient compartments of each current version, by `rk`. */
const COMP_COLUMNS = `type TEXT NOT NULL, rk INTEGER NOT NULL, compartment TEXT NOT NULL,
      PRIMARY KEY (type, rk, compartment)`;

/** The DDL, idempotent. */
export function schemaSql(): string {
  const parts = [
    `CREATE TABLE IF NOT EXISTS resources (${RESOURCE_TABLES.resources.columns})`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${RESOURCE_TABLES.resources.key}`,
    `CREATE INDEX IF NOT EXISTS resources_type_lu ON resources (type, lu)`,
    `CREATE TABLE IF NOT EXISTS history (${RESOURCE_TABLES.history.columns})`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${RESOURCE_TABLES.history.key}`,
    `CREATE INDEX IF NOT EXISTS history_lu_key ON history (lu, key)`,
    `CREATE INDEX IF NOT EXISTS history_type_lu_key ON history (type, lu, key)`,
    `CREATE TABLE IF NOT EXISTS types (type TEXT PRIMARY KEY) WITHOUT ROWID`,
    `CREATE TABLE IF NOT EXISTS comp (${COMP_COLUMNS}) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS comp_compartment ON comp (compartment, type, rk)`,
    `CREATE TABLE IF NOT EXISTS aux (coll TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (coll, id)) WITHOUT ROWID`,
  ];
  for (const kind of ENTRY_KINDS) {
    const { table, columns } = ENTRY_TABLES[kind];
    const cols = columns.map((c) => `"${c}"`).join(', ');
    parts.push(`CREATE TABLE IF NOT EXISTS ${table} (${ENTRY_COLUMNS}, ${cols})`);
    parts.push(`CREATE INDEX IF NOT EXISTS ${table}_rk ON ${table} (rk)`);
    ENTRY_INDEXES[kind].forEach((keys, i) => {
      const quoted = keys
        .split(', ')
        .map((k) => `"${k}"`)
        .join(', ');
      const name = `${table}_${i}`;
      const where = PARTIAL[name] ? ` WHERE "${PARTIAL[name]}" IS NOT NULL` : '';
      parts.push(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${quoted}, rk)${where}`);
    });
  }
  return parts.join(';\n') + ';';
}
