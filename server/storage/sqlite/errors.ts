/**
 * Errors of the SQLite engine, shaped like the other engines' (`code`, `codeName`), and the mapping of
 * SQLite's own errors: a full disk or an I/O error on write is a StoreUnavailableError (HTTP 503).
 */
import { DUPLICATE_KEY_CODE } from '../document-collection.js';
import { StoreUnavailableError } from '../store-unavailable.js';

/** An error of the SQLite engine with a MongoDB-style `code` and `codeName`. */
export class SqliteStoreError extends Error {
  constructor(
    message: string,
    readonly codeName: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'SqliteStoreError';
  }
}

/** The database file is damaged: the store refuses to open and changes no file. */
export class StoreCorruptError extends SqliteStoreError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message, 'StoreCorrupt');
    this.name = 'StoreCorruptError';
  }
}

/** A duplicate `_id` in an auxiliary collection (MongoDB's E11000). */
export function duplicateKeyError(collection: string, id: string): SqliteStoreError {
  return new SqliteStoreError(
    `E11000 duplicate key error collection: ${collection} index: _id_ dup key: { _id: ${JSON.stringify(id)} }`,
    'DuplicateKey',
    DUPLICATE_KEY_CODE,
  );
}

/** The SQLite result code of an error thrown by better-sqlite3 (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`...). */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for the errors that mean the disk cannot take the write now. */
export function isUnavailable(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'));
}

/** A write error as the layers above see it: full disk and I/O errors become StoreUnavailableError. */
export function mapWriteError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  const code = sqliteCode(err);
  return new StoreUnavailableError(
    `The SQLite store refused a write (${code}: ${(err as Error).message}); nothing of it was kept`,
    'The server cannot store data right now (its disk is full or failing); try again later.',
    { cause: err },
  );
}

/** True for the errors of a file that is not a (sound) SQLite database. */
export function isCorruption(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'));
}
