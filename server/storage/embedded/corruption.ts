/**
 * Damage found at open that a crash cannot explain: the store refuses to open, changes no file, and says
 * which file, where, what is wrong and what the operator can do.
 */
import { EmbeddedStoreError } from './errors.js';

/** The data directory is damaged; `file` and `offset` locate the first bad record. */
export class StoreCorruptError extends EmbeddedStoreError {
  constructor(
    readonly file: string,
    readonly offset: number,
    message: string,
  ) {
    super(message, undefined, 'DataCorruption');
    this.name = 'StoreCorruptError';
  }
}

const UNTOUCHED = 'The store did not open and changed no file.';

/** A journal record that is bad for a reason other than a torn tail. */
export function journalDamage(
  file: string,
  offset: number,
  what: string,
  why: string,
  recordsBefore: number,
): StoreCorruptError {
  return new StoreCorruptError(
    file,
    offset,
    `Damaged journal ${file}: the record at byte offset ${offset} is bad (${what}); ${why}, so this is ` +
      `not a write torn by a crash. ${UNTOUCHED} What to do: restore the data directory from a backup; or ` +
      `copy the directory aside and cut the journal at the damage (truncate -s ${offset} '${file}') to ` +
      `keep the ${recordsBefore} records before it and lose every change recorded after it.`,
  );
}

/** A snapshot record that is bad (a snapshot is written whole and renamed into place: no crash tears it). */
export function snapshotDamage(file: string, offset: number, what: string): StoreCorruptError {
  return new StoreCorruptError(
    file,
    offset,
    `Damaged snapshot ${file}: ${what} at byte offset ${offset}. A snapshot is written whole and renamed ` +
      `into place, so a crash cannot cause this. ${UNTOUCHED} What to do: restore the data directory from ` +
      `a backup (the journals beside the snapshot hold only the changes made after it).`,
  );
}
