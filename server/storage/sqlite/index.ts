/** The SQLite storage engine (see storage.ts). */
export { openSqliteStorage, SqliteStorage, DB_FILE, type SqliteOptions } from './storage.js';
export { StoreCorruptError, SqliteStoreError } from './errors.js';
export { LOCK_FILE } from './dir-lock.js';
