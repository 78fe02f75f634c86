/**
 * The practice users store: a JSON file `{"users": [...]}` (the format of fixtures/users.json) holding
 * scrypt hashes (practice-users.ts), managed with `npm run users` (scripts/users.ts) and read by the server.
 * It is written whole to a temporary file beside it (mode 0600) and renamed over it, so a reader sees the
 * old file or the new one, never a half-written one; a lock file keeps two commands from interleaving.
 *
 * Roles and what they open: biller → the dashboard; physician and care-manager → the SMART sign-in
 * (/auth, /ehr; they need a Practitioner); admin → all of them.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { PracticeUser } from './practice-users.js';

/** The roles `npm run users` assigns. */
export const USER_ROLES = ['physician', 'care-manager', 'biller', 'admin'] as const;

/** Roles that may sign in to the SMART authorization server and /ehr (the user also needs a Practitioner). */
export const SMART_ROLES: readonly string[] = ['physician', 'care-manager', 'admin'];

/** A user name: letters, digits and `._@-`, up to 64 characters. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The FHIR identity of a clinician: `Practitioner/<id>`. */
export const PRACTITIONER = /^Practitioner\/[A-Za-z0-9\-.]{1,64}$/;

/** Parses and checks a users document; throws an Error naming the problem. */
export function parseUsers(text: string): PracticeUser[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('not JSON: expected {"users": [...]}');
  }
  const list = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new Error('expected {"users": [...]}');
  return list.map((u: Partial<PracticeUser>, i) => {
    const ok =
      typeof u?.username === 'string' &&
      typeof u.passwordHash === 'string' &&
      Array.isArray(u.roles) &&
      u.roles.every((r) => typeof r === 'string') &&
      (u.fhirUser === undefined || typeof u.fhirUser === 'string');
    if (!ok) throw new Error(`users[${i}]: every user needs username, passwordHash and roles`);
    return {
      username: u.username as string,
      displayName: typeof u.displayName === 'string' ? u.displayName : (u.username as string),
      roles: u.roles as string[],
      ...(u.fhirUser ? { fhirUser: u.fhirUser } : {}),
      passwordHash: u.passwordHash as string,
    };
  });
}

/** The users of a users file; none when the file does not exist. Throws on a malformed file. */
export function readUsersFile(file: string): PracticeUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new Error('is a directory, expected a file');
    throw err;
  }
  return parseUsers(text);
}

/** What identifies one version of the file (a rename makes a new inode): '' when absent. */
export function fileVersion(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/** Replaces the users file atomically: temp file (0600) + fsync + rename + directory fsync. */
export function writeUsersFile(file: string, users: PracticeUser[]): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ users }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Runs `change` on the users file's list under an exclusive lock file and writes the result. */
export function updateUsersFile<T>(file: string, change: (users: PracticeUser[]) => T): T {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const lock = `${file}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new Error(`${lock} exists: another users command is running (delete the file if none is)`);
  }
  try {
    writeSync(fd, String(process.pid));
    const users = readUsersFile(file);
    const result = change(users);
    writeUsersFile(file, users);
    return result;
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}
