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

/** The schema version stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

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

/** The DDL, idempotent. */
export function schemaSql(): string {
  const parts = [
    `CREATE TABLE IF NOT EXISTS resources (
      type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, lu TEXT NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0, resource TEXT, sp TEXT, comp TEXT,
      PRIMARY KEY (type, id)) WITHOUT ROWID`,
    `CREATE INDEX IF NOT EXISTS resources_type_lu ON resources (type, lu)`,
    `CREATE TABLE IF NOT EXISTS history (
      type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, key TEXT NOT NULL, lu TEXT NOT NULL,
      method TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, resource TEXT,
      PRIMARY KEY (type, id, vid)) WITHOUT ROWID`,
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
      parts.push(`CREATE INDEX IF NOT EXISTS ${table}_${i} ON ${table} (${quoted}, id)`);
    });
  }
  return parts.join(';\n') + ';';
}
