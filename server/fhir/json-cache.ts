/**
 * Best-effort JSON cache files (the trimmed R4 definitions, the FHIR package manifests): written atomically
 * (a temporary file renamed over the target, so a concurrent reader sees the old file or the new one), and
 * silently not written where the folder is read-only (the caller then recomputes at each start).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `value` as JSON to `file`, creating its folder; returns false when it could not. */
export function writeJsonCache(file: string, value: unknown): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}
