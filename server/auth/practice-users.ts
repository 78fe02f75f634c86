/**
 * Practice users who sign in with a user name and password (billers and analysts on the dashboard; later the
 * practitioners of the SMART authorization server). Passwords are stored as scrypt hashes (node:crypto,
 * RFC 7914) in the form `scrypt$N$r$p$salt$hash` (salt and hash base64url) and compared in constant time.
 * Sign-in verification is async scrypt on the libuv threadpool, never on the event loop, through a
 * HashGate (hash-gate.ts) that bounds how many hashes run and wait; an unknown user name is checked
 * against a decoy hash so that it costs the same. The shipped fixtures/users.json holds DEMO users only,
 * documented in the README.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HashGate, type HashGateStats } from './hash-gate.js';

/** One practice user. */
export interface PracticeUser {
  username: string;
  displayName: string;
  /** e.g. biller, analyst, practitioner. */
  roles: string[];
  /** The FHIR resource of the user (Practitioner/..), when there is one. */
  fhirUser?: string;
  passwordHash: string;
}

/** The demo users shipped with the project (demo-only credentials, see the README). */
export const DEMO_USERS_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'users.json',
);

const PARAMS = { N: 16384, r: 8, p: 1, keylen: 32 };

/** scrypt on the libuv threadpool (node:crypto's async form). */
function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password with scrypt and a random salt (synchronous: for the users command, not sign-in). */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(password.normalize('NFKC'), salt, PARAMS.keylen, {
    N: PARAMS.N,
    r: PARAMS.r,
    p: PARAMS.p,
  });
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/**
 * Checks a password against a stored hash in constant time, off the event loop (async scrypt); false for a
 * malformed hash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length < 16) return false;
  const actual = await scryptAsync(password.normalize('NFKC'), salt, expected.length, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

/** A read-only set of practice users. */
export class PracticeUserStore {
  private readonly users: Map<string, PracticeUser>;
  /** A hash checked when the user name is unknown, so that timing does not reveal which names exist. */
  private readonly decoy = hashPassword(randomBytes(12).toString('base64url'));
  /** Bounds the hashes of this store's sign-ins (shared by /auth, /ehr and /dashboard). */
  private readonly gate: HashGate;

  constructor(users: PracticeUser[], gate: HashGate = new HashGate()) {
    this.users = new Map(users.map((u) => [u.username.toLowerCase(), u]));
    this.gate = gate;
  }

  /** What the hash gate is doing (active, waiting, peak, done). */
  get hashing(): HashGateStats {
    return this.gate.stats();
  }

  /** Reads users from a JSON file `{"users": [...]}`. */
  static fromFile(file: string = DEMO_USERS_FILE): PracticeUserStore {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { users?: PracticeUser[] };
    if (!Array.isArray(doc.users)) throw new Error(`${file}: expected {"users": [...]}`);
    for (const u of doc.users) {
      if (typeof u.username !== 'string' || typeof u.passwordHash !== 'string' || !Array.isArray(u.roles)) {
        throw new Error(`${file}: every user needs username, passwordHash and roles`);
      }
    }
    return new PracticeUserStore(doc.users);
  }

  /** The user with this name (case-insensitive), if any. */
  find(username: string): PracticeUser | undefined {
    return this.users.get(username.trim().toLowerCase());
  }

  /**
   * The user when the password matches; null otherwise (same work either way). Rejects with HashQueueFull
   * when too many sign-ins wait for a hash.
   */
  async authenticate(username: string, password: string): Promise<PracticeUser | null> {
    const user = this.find(username);
    const ok = await this.gate.run(() => verifyPassword(password, user?.passwordHash ?? this.decoy));
    return user && ok ? user : null;
  }
}
