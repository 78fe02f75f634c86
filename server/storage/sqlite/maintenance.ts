/**
 * Operations on a SQLite data directory from another process than the server (which may be running):
 * an online, consistent backup (SQLite's backup API over a read-only connection: pages are copied from one
 * snapshot, restarting if a writer changes the file meanwhile) and an integrity check. Neither takes the
 * data directory lock, and neither writes to the database.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from './storage.js';

/** The database file of a data directory; throws with a clear message when there is none. */
export function databaseOf(dataDir: string): string {
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file)) throw new Error(`${dataDir} holds no ccm-fhir database (${DB_FILE} is missing)`);
  return file;
}

/** Copies the database of `dataDir` into `target` (a new file), online; returns the pages copied. */
export async function backupDataDir(
  dataDir: string,
  target: string,
  progress?: (done: number, total: number) => void,
): Promise<number> {
  if (existsSync(target)) throw new Error(`${target} exists already: choose a new file for the backup`);
  const db = new Database(databaseOf(dataDir), { readonly: true, fileMustExist: true });
  try {
    const result = await db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        progress?.(totalPages - remainingPages, totalPages);
        return 1000;
      },
    });
    return result.totalPages;
  } finally {
    db.close();
  }
}

/** PRAGMA integrity_check (or quick_check) of the database of `dataDir`. */
export function checkDataDir(dataDir: string, quick = false): { ok: boolean; problems: string[] } {
  const db = new Database(databaseOf(dataDir), { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma(quick ? 'quick_check' : 'integrity_check') as Array<Record<string, string>>;
    const problems = rows.map((r) => Object.values(r)[0]).filter((m) => m !== 'ok');
    return { ok: problems.length === 0, problems };
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] };
  } finally {
    db.close();
  }
}

/** Files of the engine before SQLite (journals `journal-N.log`, snapshots `snapshot-N.snap`) in a data directory. */
export function legacyFiles(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir).filter(
    (f) => /^journal-\d+(?:\.log)?$/.test(f) || /^snapshot-\d+\.snap$/.test(f),
  );
}
