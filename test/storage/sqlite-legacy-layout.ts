/**
 * The table layout of SQLite schema versions 1 and 2, for upgrade tests: a store written by this server
 * is rewritten in place into the older layout, its rows kept. Version 2: `resources` and `history` are
 * WITHOUT ROWID tables clustered on their key, index rows and compartments name their resource by
 * `(type, id)` with a `(type, id)` index on every entry table; version 1 also has full indexes where version
 * 2 has partial ones (token text, reference identifier, canonical quantity unit).
 */
import type { Database } from 'better-sqlite3';
import { ENTRY_KINDS, ENTRY_TABLES } from '../../server/storage/sqlite/schema.js';

/** Version 2's value indexes per entry kind (each ending in `id`), with their partial condition. */
const V2_INDEXES: Record<string, Array<[string, string?]>> = {
  token: [['type, param, c, s'], ['type, param, t', 't']],
  string: [['type, param, v'], ['type, param, e']],
  date: [['type, param, lo'], ['type, param, hi']],
  number: [['type, param, v']],
  quantity: [['type, param, c, lo'], ['type, param, n, nlo', 'n']],
  reference: [['type, param, r'], ['type, param, iv', 'iv']],
  uri: [['type, param, v']],
  json: [['type, param']],
};

const quote = (keys: string) =>
  keys
    .split(', ')
    .map((k) => `"${k}"`)
    .join(', ');

/** Rewrites the store open in `db` (closed by every other connection) into the layout of `version`. */
export function rewriteAsLegacyLayout(db: Database, version: 1 | 2): void {
  const sql: string[] = [
    `CREATE TABLE r2 (type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, lu TEXT NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0, resource TEXT, sp TEXT, comp TEXT, PRIMARY KEY (type, id)) WITHOUT ROWID`,
    'INSERT INTO r2 SELECT type, id, vid, lu, deleted, resource, sp, comp FROM resources',
    `CREATE TABLE h2 (type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, key TEXT NOT NULL,
      lu TEXT NOT NULL, method TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, resource TEXT,
      PRIMARY KEY (type, id, vid)) WITHOUT ROWID`,
    'INSERT INTO h2 SELECT type, id, vid, key, lu, method, deleted, resource FROM history',
    `CREATE TABLE c2 (type TEXT NOT NULL, id TEXT NOT NULL, compartment TEXT NOT NULL,
      PRIMARY KEY (type, id, compartment)) WITHOUT ROWID`,
    'INSERT INTO c2 SELECT c.type, r.id, c.compartment FROM comp c JOIN resources r ON r.rk = c.rk',
  ];
  for (const kind of ENTRY_KINDS) {
    const { table, columns } = ENTRY_TABLES[kind];
    const cols = columns.map((c) => `"${c}"`).join(', ');
    const xcols = columns.map((c) => `x."${c}"`).join(', ');
    sql.push(
      `CREATE TABLE ${table}_2 (type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, ${cols})`,
      `INSERT INTO ${table}_2 SELECT x.type, r.id, x.param, ${xcols} FROM ${table} x JOIN resources r ON r.rk = x.rk`,
      `DROP TABLE ${table}`,
      `ALTER TABLE ${table}_2 RENAME TO ${table}`,
      `CREATE INDEX ${table}_type_id ON ${table} (type, id)`,
    );
    V2_INDEXES[kind].forEach(([keys, partial], i) => {
      const where = partial && version === 2 ? ` WHERE "${partial}" IS NOT NULL` : '';
      sql.push(`CREATE INDEX ${table}_${i} ON ${table} (${quote(keys)}, id)${where}`);
    });
  }
  sql.push(
    'DROP TABLE resources',
    'ALTER TABLE r2 RENAME TO resources',
    'CREATE INDEX resources_type_lu ON resources (type, lu)',
    'DROP TABLE history',
    'ALTER TABLE h2 RENAME TO history',
    'CREATE INDEX history_lu_key ON history (lu, key)',
    'CREATE INDEX history_type_lu_key ON history (type, lu, key)',
    'DROP TABLE comp',
    'ALTER TABLE c2 RENAME TO comp',
    'CREATE INDEX comp_compartment ON comp (compartment, type, id)',
    `PRAGMA user_version = ${version}`,
  );
  db.exec(sql.join(';\n') + ';');
}
