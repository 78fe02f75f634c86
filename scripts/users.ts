/**
 * npm run users -- <command> ...   (the practice users who sign in to the dashboard, /auth and /ehr)
 *
 *   add <username> --role <role>[,<role>] [--name "Display Name"] [--practitioner Practitioner/<id>] [--password-stdin]
 *   list [--json]
 *   remove <username>
 *   passwd <username> [--password-stdin]
 *   set-roles <username> --role <role>[,<role>] [--practitioner Practitioner/<id>]
 *
 * Roles: physician, care-manager, biller, admin (README "Users"). The password is asked on the terminal
 * without echo (twice), or read from standard input with --password-stdin; never from the command line.
 * The users file is USERS_FILE, default DATA_DIR/users.json (DATA_DIR default ./data), as the server reads
 * it; a running server sees the change at the next sign-in. Exit code: 0 done, 1 failed, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { hashPassword, type PracticeUser } from '../server/auth/practice-users.js';
import {
  PRACTITIONER,
  readUsersFile,
  updateUsersFile,
  USER_ROLES,
  USERNAME,
} from '../server/auth/users-file.js';
import { usersFileOf } from '../server/config.js';

const USAGE = `usage: npm run users -- <command> ...
  add <username> --role <role>[,<role>] [--name "Display Name"] [--practitioner Practitioner/<id>] [--password-stdin]
  list [--json]
  remove <username>
  passwd <username> [--password-stdin]
  set-roles <username> --role <role>[,<role>] [--practitioner Practitioner/<id>]
roles: ${USER_ROLES.join(', ')}; the users file is USERS_FILE (default DATA_DIR/users.json)`;

const MIN_PASSWORD = 12;
const NEEDS_PRACTITIONER = ['physician', 'care-manager'];

/** A mistake in the command line (exit 2). */
class UsageError extends Error {}

type Options = {
  role?: string[];
  name?: string;
  practitioner?: string;
  'password-stdin'?: boolean;
  json?: boolean;
  help?: boolean;
};

/** The roles of `--role` (repeatable, comma-separated), checked against the four roles. */
function rolesOf(raw: string[] | undefined): string[] {
  const roles = [...new Set((raw ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()))].filter(Boolean);
  if (roles.length === 0) throw new UsageError(`--role is required (${USER_ROLES.join(', ')})`);
  const bad = roles.filter((r) => !(USER_ROLES as readonly string[]).includes(r));
  if (bad.length > 0) throw new UsageError(`--role ${bad.join(',')}: expected ${USER_ROLES.join(', ')}`);
  return roles;
}

/** `--practitioner` when given, checked; physicians and care managers must have one. */
function practitionerOf(raw: string | undefined, roles: string[], current?: string): string | undefined {
  if (raw !== undefined && !PRACTITIONER.test(raw))
    throw new UsageError(`--practitioner ${raw}: expected Practitioner/<id>`);
  const fhirUser = raw ?? current;
  if (!fhirUser && roles.some((r) => NEEDS_PRACTITIONER.includes(r)))
    throw new UsageError(
      '--practitioner Practitioner/<id> is required for physician and care-manager (their FHIR identity when they launch apps)',
    );
  return fhirUser;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        value = ch === '\u007f' || ch === '\b' ? [...value].slice(0, -1).join('') : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The new password: all of stdin (one final newline dropped) or asked twice on the terminal. */
async function readPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    password = text.replace(/\r?\n$/, '');
  } else if (process.stdin.isTTY) {
    password = await promptHidden('Password: ');
    if ((await promptHidden('Password again: ')) !== password) throw new UsageError('the passwords differ');
  } else {
    throw new UsageError('no terminal to ask for the password: pipe it in with --password-stdin');
  }
  if ([...password].length < MIN_PASSWORD)
    throw new UsageError(`the password must have at least ${MIN_PASSWORD} characters`);
  if (password.length > 1024) throw new UsageError('the password must have at most 1024 characters');
  return password;
}

/** The scrypt hash of a password (practice-users.ts), whether hashing is synchronous or not. */
async function hashOf(password: string): Promise<string> {
  return Promise.resolve(hashPassword(password));
}

/** The index of a user (case-insensitive), or a failure naming it. */
function indexOf(users: PracticeUser[], username: string): number {
  const i = users.findIndex((u) => u.username.toLowerCase() === username.toLowerCase());
  if (i < 0) throw new Error(`no user ${username}`);
  return i;
}

/** The one positional user name of a command. */
function usernameOf(positionals: string[]): string {
  const [username, ...rest] = positionals;
  if (!username || rest.length > 0) throw new UsageError('expected exactly one <username>');
  if (!USERNAME.test(username))
    throw new UsageError(`${username}: a user name has letters, digits and ._@- (up to 64)`);
  return username;
}

async function add(file: string, positionals: string[], o: Options): Promise<string> {
  const username = usernameOf(positionals);
  const roles = rolesOf(o.role);
  const fhirUser = practitionerOf(o.practitioner, roles);
  if (readUsersFile(file).some((u) => u.username.toLowerCase() === username.toLowerCase()))
    throw new Error(`user ${username} already exists (use passwd or set-roles)`);
  const passwordHash = await hashOf(await readPassword(o['password-stdin'] === true));
  const user: PracticeUser = {
    username,
    displayName: o.name?.trim() || username,
    roles,
    ...(fhirUser ? { fhirUser } : {}),
    passwordHash,
  };
  updateUsersFile(file, (users) => {
    if (users.some((u) => u.username.toLowerCase() === username.toLowerCase()))
      throw new Error(`user ${username} already exists (use passwd or set-roles)`);
    users.push(user);
  });
  return `added ${username} (${roles.join(', ')})`;
}

function list(file: string, o: Options): string {
  const users = readUsersFile(file).map(({ passwordHash: _hash, ...u }) => u);
  if (o.json) return JSON.stringify(users, null, 2);
  if (users.length === 0) return `no users in ${file}`;
  const rows = [
    ['USERNAME', 'ROLES', 'NAME', 'PRACTITIONER'],
    ...users.map((u) => [u.username, u.roles.join(','), u.displayName, u.fhirUser ?? '']),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function passwd(file: string, positionals: string[], o: Options): Promise<string> {
  const username = usernameOf(positionals);
  indexOf(readUsersFile(file), username);
  const passwordHash = await hashOf(await readPassword(o['password-stdin'] === true));
  updateUsersFile(file, (users) => {
    users[indexOf(users, username)].passwordHash = passwordHash;
  });
  return `password of ${username} changed`;
}

function setRoles(file: string, positionals: string[], o: Options): string {
  const username = usernameOf(positionals);
  const roles = rolesOf(o.role);
  updateUsersFile(file, (users) => {
    const user = users[indexOf(users, username)];
    const fhirUser = practitionerOf(o.practitioner, roles, user.fhirUser);
    user.roles = roles;
    if (fhirUser) user.fhirUser = fhirUser;
  });
  return `roles of ${username}: ${roles.join(', ')}`;
}

function remove(file: string, positionals: string[]): string {
  const username = usernameOf(positionals);
  updateUsersFile(file, (users) => {
    users.splice(indexOf(users, username), 1);
  });
  return `removed ${username}`;
}

/** Runs one command; the text to print. */
async function run(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: 'string', multiple: true },
      name: { type: 'string' },
      practitioner: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const o = values as Options;
  const [command, ...rest] = positionals;
  if (o.help) return USAGE;
  const file = usersFileOf(process.env);
  if (command === 'add') return add(file, rest, o);
  if (command === 'list') return list(file, o);
  if (command === 'passwd') return passwd(file, rest, o);
  if (command === 'set-roles') return setRoles(file, rest, o);
  if (command === 'remove') return remove(file, rest);
  throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
}

run(process.argv.slice(2)).then(
  (text) => {
    process.stdout.write(`${text}\n`);
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = err instanceof Error ? err.message : String(err);
    const hint = /--password\b/.test(message)
      ? '\n(passwords are never taken from the command line: answer the prompt or use --password-stdin)'
      : '';
    process.stderr.write(`error: ${message}${hint}\n${usage ? `${USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
