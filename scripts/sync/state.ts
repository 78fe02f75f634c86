/**
 * The last sync per EHR (#18): a small JSON file (default DATA_DIR/ehr-sync-state.json, `--state FILE`)
 * holding, per EHR name, the ccm-fhir base it was synced into and the export's `transactionTime`, which is
 * the next run's `_since` (Bulk Data Access IG 2.0 export.html#query-parameters: the server's time, never the
 * client clock). Written atomically (temporary file + rename) only after every write of a run succeeded, so
 * a failed run is repeated whole (harmless: the writes are idempotent).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One EHR's last successful sync. */
export interface EhrSyncRecord {
  iss: string;
  base: string;
  /** The export's transactionTime: `_since` of the next run. */
  transactionTime: string;
  /** When the run finished (local clock, for people). */
  finishedAt: string;
  counts: Record<string, unknown>;
}

interface StateFile {
  version: 1;
  ehrs: Record<string, EhrSyncRecord>;
}

/** A broken state file (the sync does not start; delete it or pass --full to start over). */
export class SyncStateError extends Error {}

function read(file: string): StateFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { version: 1, ehrs: {} };
  }
  try {
    const doc = JSON.parse(text) as StateFile;
    if (doc.version !== 1 || typeof doc.ehrs !== 'object' || doc.ehrs === null) throw new Error('shape');
    return doc;
  } catch {
    throw new SyncStateError(`${file} is not a sync state file (delete it to start over)`);
  }
}

/** The last sync of `name` into `base` from `iss`, if any (another base or issuer: none). */
export function lastSync(file: string, name: string, iss: string, base: string): EhrSyncRecord | undefined {
  const r = read(file).ehrs[name];
  return r && r.base === base && r.iss === iss ? r : undefined;
}

/** Records a successful sync of `name`. */
export function recordSync(file: string, name: string, record: EhrSyncRecord): void {
  const doc = read(file);
  doc.ehrs[name] = record;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
