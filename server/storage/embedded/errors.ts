/** Errors raised by the embedded engine, shaped like the MongoDB server errors the driver reports. */
import { DUPLICATE_KEY_CODE } from '../document-collection.js';

/** An error with MongoDB-style `code`, `codeName` and `errorLabels`. */
export class EmbeddedStoreError extends Error {
  readonly code: number | undefined;
  readonly codeName: string | undefined;
  readonly errorLabels: string[];
  keyPattern?: Record<string, number>;
  keyValue?: Record<string, unknown>;
  /** Set on insertMany failures: how many documents were inserted before the error (ordered insert). */
  insertedCount?: number;

  constructor(message: string, code?: number, codeName?: string, errorLabels: string[] = []) {
    super(message);
    this.name = 'EmbeddedStoreError';
    this.code = code;
    this.codeName = codeName;
    this.errorLabels = errorLabels;
  }

  /** Mirrors `MongoError.hasErrorLabel`. */
  hasErrorLabel(label: string): boolean {
    return this.errorLabels.includes(label);
  }
}

/** The error label that makes `withTransaction` retry (as the driver does). */
export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';
/** MongoDB's WriteConflict code. */
export const WRITE_CONFLICT_CODE = 112;

/** Renders a key value the way the server's E11000 message does: `{ k: "v" }`. */
function renderKey(keyValue: Record<string, unknown>): string {
  const parts = Object.entries(keyValue).map(
    ([k, v]) => `${k}: ${v === undefined ? 'null' : JSON.stringify(v)}`,
  );
  return `{ ${parts.join(', ')} }`;
}

/** A unique-index violation (code 11000), with MongoDB's message shape. */
export function duplicateKeyError(
  collection: string,
  indexName: string,
  keyPattern: Record<string, number>,
  keyValue: Record<string, unknown>,
): EmbeddedStoreError {
  const message = `E11000 duplicate key error collection: embedded.${collection} index: ${indexName} dup key: ${renderKey(keyValue)}`;
  const err = new EmbeddedStoreError(message, DUPLICATE_KEY_CODE, 'DuplicateKey');
  err.keyPattern = keyPattern;
  err.keyValue = keyValue;
  return err;
}

/** A transaction write conflict (MongoDB's WriteConflict, labelled TransientTransactionError). */
export function writeConflictError(collection: string, id: string): EmbeddedStoreError {
  return new EmbeddedStoreError(
    `Write conflict during commit: ${collection} document ${JSON.stringify(id)} was changed by another writer`,
    WRITE_CONFLICT_CODE,
    'WriteConflict',
    [TRANSIENT_TRANSACTION_ERROR],
  );
}

/** An attempt to change `_id` through replaceOne/updateOne (MongoDB's ImmutableField, 66). */
export function immutableIdError(): EmbeddedStoreError {
  return new EmbeddedStoreError(
    "Performing an update on the path '_id' would modify the immutable field '_id'",
    66,
    'ImmutableField',
  );
}

/** A malformed argument (MongoDB's BadValue, 2 / FailedToParse, 9). */
export function badValueError(message: string): EmbeddedStoreError {
  return new EmbeddedStoreError(message, 2, 'BadValue');
}

/** An index definition that clashes with an existing one (85 IndexOptionsConflict / 86 IndexKeySpecsConflict). */
export function indexConflictError(message: string, code: 85 | 86): EmbeddedStoreError {
  return new EmbeddedStoreError(
    message,
    code,
    code === 85 ? 'IndexOptionsConflict' : 'IndexKeySpecsConflict',
  );
}

/** A compound index over two array-valued fields (MongoDB's CannotIndexParallelArrays, 171). */
export function parallelArraysError(fields: string[]): EmbeddedStoreError {
  return new EmbeddedStoreError(
    `cannot index parallel arrays [${fields.join('] [')}]`,
    171,
    'CannotIndexParallelArrays',
  );
}

/** Raised by every operation on a closed store. */
export function storeClosedError(): EmbeddedStoreError {
  return new EmbeddedStoreError('The embedded store is closed', undefined, 'StoreClosed');
}

/** Raised when the session passed to an operation is not an active transaction of this store. */
export function sessionError(message: string): EmbeddedStoreError {
  return new EmbeddedStoreError(message, 251, 'NoSuchTransaction');
}

/** True when `err` carries the given MongoDB error label (either engine). */
export function hasErrorLabel(err: unknown, label: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const labels = (err as { errorLabels?: unknown }).errorLabels;
  if (Array.isArray(labels)) return labels.includes(label);
  const fn = (err as { hasErrorLabel?: unknown }).hasErrorLabel;
  return typeof fn === 'function' && (fn as (l: string) => boolean).call(err, label) === true;
}
