/**
 * The tables of the SQLite engine. Current versions live in `resources` (clustered by type and id, so that
 * key-set paging by id reads the primary key), every version in `history` (the current version's body is
 * stored once, in `resources`, and copied into its history row when a later version supersedes it), and the
 * search index of each current version in one table per search-parameter type, one row per index entry.
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
 * `resources` and `history` are rowid tables with a unique index on their key (they were WITHOUT ROWID
 * tables clustered on it): see RESOURCE_TABLES.
 */
export const SCHEMA_VERSION = 3;

/**
 * `resources` and `history` hold bodies of kilobytes (a resource and its search index as JSON, about 3 KB
 * for a Synthea resource). In a WITHOUT ROWID table every row is a key: rows live in the interior pages
 * too (a fan-out of a few rows per page), anything past about 1 KB goes to overflow pages, and every key
 * comparison of a lookup or insert reads the whole row, overflow pages included (SQLite's own guidance
 * keeps such tables to rows under 1/20th of a page). As rowid tables the rows stay on their leaves (up to
 * about 4 KB in place), a new row is appended at the end (rowids grow), and lookups by `(type, id)` go
 * through a small unique index of the key alone.
 */
const RESOURCE_TABLES = {
  resources: {
    columns: `type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, lu TEXT NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0, resource TEXT, sp TEXT, comp TEXT`,
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

/** Per-kind index definitions (beyond the (type, id) index every entry table has). */
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
  if (from < 3) {
    // the WITHOUT ROWID tables are copied into rowid tables (their indexes go with the old tables and are
    // created again by schemaSql)
    for (const [table, t] of Object.entries(RESOURCE_TABLES)) {
      parts.push(
        `CREATE TABLE ${table}_v3 (${t.columns})`,
        `INSERT INTO ${table}_v3 (${t.names}) SELECT ${t.names} FROM ${table} ORDER BY type, id`,
        `DROP TABLE ${table}`,
        `ALTER TABLE ${table}_v3 RENAME TO ${table}`,
      );
    }
  }
  return parts.length ? parts.join(';\n') + ';' : '';
}

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
    `CREATE TABLE IF NOT EXISTS comp (
      type TEXT NOT NULL, id TEXT NOT NULL, compartment TEXT NOT NULL,
      PRIMARY KEY (type, id, compartment)) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS comp_compartment ON comp (compartment, type, id)`,
    `CREATE TABLE IF NOT EXISTS aux (coll TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (coll, id)) WITHOUT ROWID`,
  ];
  for (const kind of ENTRY_KINDS) {
    const { table, columns } = ENTRY_TABLES[kind];
    const cols = columns.map((c) => `"${c}"`).join(', ');
    parts.push(
      `CREATE TABLE IF NOT EXISTS ${table} (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, ${cols})`,
    );
    parts.push(`CREATE INDEX IF NOT EXISTS ${table}_type_id ON ${table} (type, id)`);
    ENTRY_INDEXES[kind].forEach((keys, i) => {
      const quoted = keys
        .split(', ')
        .map((k) => `"${k}"`)
        .join(', ');
      const name = `${table}_${i}`;
      const where = PARTIAL[name] ? ` WHERE "${PARTIAL[name]}" IS NOT NULL` : '';
      parts.push(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${quoted}, id)${where}`);
    });
  }
  return parts.join(';\n') + ';';
}
