/**
 * One process per data directory: a lock file created with O_EXCL (`wx`) holding the owner's pid, host,
 * process start and the directory's real path. A lock whose owner is gone (its pid is not alive on this
 * host, or is alive but is a later process that reused the pid, or the directory was copied or moved since)
 * is taken over with a warning; a lock of another host is never taken over (its pid cannot be checked).
 */
import { readFileSync } from 'node:fs';
import { readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SqliteStoreError } from './errors.js';

/** The lock file's name inside the data directory. */
export const LOCK_FILE = 'ccm-fhir.lock';

/** What the lock file holds. */
interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** The real path of the locked directory. */
  dir: string;
  /** The owner's start time in clock ticks since boot (Linux /proc), when known. */
  start?: number;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` names a live process on this host. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Why the lock of `owner` is stale, or null when its owner may still hold it. */
function staleReason(owner: LockOwner, realDir: string): string | null {
  if (owner.host !== hostname()) return null;
  if (owner.dir !== realDir) return `it was taken on ${owner.dir}: the directory was copied or moved since`;
  if (!pidAlive(owner.pid)) return 'that process is not running';
  const start = startTicks(owner.pid);
  if (owner.start !== undefined && start !== undefined && start !== owner.start)
    return 'that pid now belongs to another process';
  return null;
}

function describe(owner: LockOwner): string {
  return `pid ${owner.pid} on host ${owner.host}, since ${owner.since}`;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.dir !== 'string') return null;
    return { pid: o.pid, host: o.host, since: String(o.since), dir: o.dir, start: o.start };
  } catch {
    return null;
  }
}

/** The error of a directory another server holds. */
function inUseError(dir: string, path: string, owner: LockOwner | null): SqliteStoreError {
  const who = owner
    ? `another ccm-fhir server (${describe(owner)})`
    : 'another ccm-fhir server (its lock file is unreadable)';
  return new SqliteStoreError(
    `Data directory ${dir} is in use by ${who}: only one server may open it (lock file ${path}). ` +
      `Stop that server first; if no server uses this directory any more, delete ${path}.`,
    'DataDirLocked',
  );
}

/**
 * The error of a lock file that could not be written (a full disk, a read-only directory); a partly
 * written one is removed so that it does not block the next start.
 */
async function cannotLock(dir: string, path: string, err: unknown): Promise<Error> {
  await rm(path, { force: true }).catch(() => undefined);
  const reason = err instanceof Error ? err.message : String(err);
  return new SqliteStoreError(
    `Cannot open data directory ${dir}: its lock file ${path} could not be written (${reason}).`,
    'DataDirLocked',
  );
}

/** A held lock on a data directory. */
export class DirLock {
  private constructor(
    private readonly path: string,
    private readonly content: string,
  ) {}

  /** Takes the lock of `dir` (which must exist); throws when another live process holds it. */
  static async acquire(dir: string, warn: (message: string) => void): Promise<DirLock> {
    const realDir = await realpath(dir);
    const path = join(dir, LOCK_FILE);
    const mine: LockOwner = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      dir: realDir,
    };
    const start = startTicks(process.pid);
    if (start !== undefined) mine.start = start;
    const content = `${JSON.stringify(mine)}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(path, content, { flag: 'wx' });
        return new DirLock(path, content);
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw await cannotLock(dir, path, err);
      }
      const owner = parseOwner(await readFile(path).then(String, () => ''));
      const reason = owner ? staleReason(owner, realDir) : null;
      if (!owner || reason === null) throw inUseError(dir, path, owner);
      warn(`Taking over the stale lock of data directory ${dir} left by ${describe(owner)}: ${reason}.`);
      await rm(path, { force: true });
    }
    throw inUseError(dir, path, null);
  }

  /** Removes the lock file (unless another process has taken it over meanwhile). */
  async release(): Promise<void> {
    const now = await readFile(this.path).then(String, () => null);
    if (now === this.content) await rm(this.path, { force: true });
  }
}
