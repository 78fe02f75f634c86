/**
 * The practice users a server signs in: the users file (USERS_FILE, managed with `npm run users`) plus,
 * only when DEMO_USERS is on, the demo users of fixtures/users.json. The file is checked on every look-up
 * (one stat: inode, size, mtime) and re-read when it changed, so users added, changed or removed by the
 * command take effect at the next sign-in without a restart, in every process reading the same file.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { DEMO_USERS_FILE, PracticeUserStore, type PracticeUser } from './practice-users.js';
import { fileVersion, readUsersFile } from './users-file.js';

/** A users store that follows its users file. */
export class LiveUserStore extends PracticeUserStore {
  private readonly demoNames: Set<string>;
  private fileUsers = new Map<string, PracticeUser>();
  private version = '';

  /** Reads the file now; throws when it is malformed (the start fails with the message). */
  constructor(
    private readonly opts: {
      demo: PracticeUser[];
      file?: string;
      /** Called when a changed file cannot be read; the users read before stay in force. */
      onReloadError?: (err: unknown) => void;
    },
  ) {
    super(opts.demo);
    this.demoNames = new Set(opts.demo.map((u) => u.username.toLowerCase()));
    if (opts.file) this.load(opts.file, fileVersion(opts.file));
  }

  /** The user with this name (case-insensitive): the users file first, then the demo users. */
  override find(username: string): PracticeUser | undefined {
    this.refresh();
    return this.fileUsers.get(username.trim().toLowerCase()) ?? super.find(username);
  }

  /** How many users can sign in. */
  count(): number {
    this.refresh();
    const demoOnly = [...this.demoNames].filter((n) => !this.fileUsers.has(n));
    return this.fileUsers.size + demoOnly.length;
  }

  private refresh(): void {
    const file = this.opts.file;
    if (!file) return;
    const version = fileVersion(file);
    if (version === this.version) return;
    try {
      this.load(file, version);
    } catch (err) {
      this.version = version; // report a broken file once, not on every sign-in
      this.opts.onReloadError?.(err);
    }
  }

  private load(file: string, version: string): void {
    const users = readUsersFile(file);
    this.fileUsers = new Map(users.map((u) => [u.username.toLowerCase(), u]));
    this.version = version;
  }
}

/** The users store of a configuration: USERS_FILE (or DATA_DIR/users.json) and the demo users when on. */
export function practiceUsersOf(
  config: Partial<Pick<Config, 'demoUsers' | 'usersFile' | 'dataDir'>>,
  onReloadError?: (err: unknown) => void,
): LiveUserStore {
  const file = config.usersFile ?? (config.dataDir ? path.join(config.dataDir, 'users.json') : undefined);
  const demo = config.demoUsers ? readUsersFile(DEMO_USERS_FILE) : [];
  return new LiveUserStore({ demo, file, onReloadError });
}
