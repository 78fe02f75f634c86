/**
 * One typed Config read from environment variables and validated at start: a bad value stops the
 * process with a message naming the variable instead of surfacing later as a runtime failure.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readUsersFile } from './auth/users-file.js';
import { isValidTimeZone } from './ccm/time/zone.js';
import { parseIssuerClients } from '../smart-app/issuers.js';
import { ehrIssuersFileOf } from './ccm/ehr-link/issuers.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Rate limits of the sign-in forms and the token endpoint (server/auth/rate-limits.ts; README table). */
export interface RateLimitConfig {
  /** SIGNIN_ACCOUNT_FAILURES: consecutive wrong passwords after which an account is locked. */
  signInAccountFailures: number;
  /** SIGNIN_ADDRESS_FAILURES: failed sign-ins from one client address per window. */
  signInAddressFailures: number;
  /** SIGNIN_WINDOW_SECONDS: the window the failures are counted in. */
  signInWindowSeconds: number;
  /** SIGNIN_LOCKOUT_SECONDS: how long a locked account or address is refused. */
  signInLockoutSeconds: number;
  /** TOKEN_REQUESTS_PER_CLIENT: token requests per client_id per minute. */
  tokenPerClient: number;
  /** TOKEN_REQUESTS_PER_ADDRESS: token requests per client address per minute. */
  tokenPerAddress: number;
}

/** Defaults no practice's staff reaches in normal work. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  signInAccountFailures: 5,
  signInAddressFailures: 100,
  signInWindowSeconds: 900,
  signInLockoutSeconds: 900,
  tokenPerClient: 600,
  tokenPerAddress: 1200,
};

/** Everything the server process can be configured with. */
export interface Config {
  port: number;
  host: string;
  /** Public base URL of the FHIR endpoint, e.g. http://127.0.0.1:8080/fhir (no trailing slash). */
  baseUrl: string;
  /** Data directory: the SQLite database (`ccm-fhir.sqlite`), keys, users and bulk files. */
  dataDir: string;
  mongodbUri?: string;
  mongodbDb?: string;
  logLevel: LogLevel;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** SQLite engine: `FULL` (default: every acknowledged write survives a power cut) or `NORMAL` (bulk loads). */
  storeSync: 'FULL' | 'NORMAL';
  /** DEMO: the quick-start demo; the default of the four demo switches below. */
  demo: boolean;
  /** DEMO_DATA: load the demo practice into an empty store at start. */
  demoData: boolean;
  /** DEMO_USERS: the demo practice users of fixtures/users.json (passwords published in the README) sign in. */
  demoUsers: boolean;
  /** EHR_SIMULATOR: serve the EHR launch simulator at /ehr. */
  ehrSimulator: boolean;
  /** USERS_FILE: the practice users store (`npm run users`), re-read when it changes; default DATA_DIR/users.json. */
  usersFile: string;
  /** Milliseconds graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /** Most entries accepted in one transaction or batch Bundle (more: 413). */
  bundleMaxEntries: number;
  /** Most comma-separated values in one search parameter (more: 400). */
  searchMaxValues: number;
  /** Most parameters in one search (more: 400). */
  searchMaxParameters: number;
  /** Most `_sort` keys (more: 400). */
  searchSortMaxKeys: number;
  /** Most matches a `_sort` other than by `_id` orders (more: 400 too-costly). */
  searchSortMax: number;
  /** Most items in one array of a written resource (more: 400 too-long). */
  resourceMaxArrayItems: number;
  /** Most JSON values in a written resource (more: 400 too-long). */
  resourceMaxElements: number;
  /** Seconds a completed bulk export's files stay available before they are deleted. */
  bulkExpirySeconds: number;
  /** A write claiming a profile the server does not know: `warn` (accepted with a warning) or `reject` (400). */
  unknownProfiles: 'reject' | 'warn';
  /** IG_PACKAGES_DIR: a folder of FHIR packages (`.tgz`) loaded beside the ones in packages/. */
  igPackagesDir?: string;
  /** SMART: the signing key file (private JWK or PKCS#8 PEM); default DATA_DIR/keys or the MongoDB store. */
  signingKeyFile?: string;
  /** SMART: a clients file (`{"clients": [...]}`, as fixtures/clients.json) added to the registry. */
  clientsFile?: string;
  /** SMART_DEMO_CLIENTS: register the demo-only clients of fixtures/clients.json (published secrets). */
  demoClients: boolean;
  /** SMART: lifetime of user-launch access tokens, seconds. */
  accessTokenSeconds: number;
  /** SMART: lifetime of Backend Services (client_credentials) access tokens, seconds (at most 300). */
  backendTokenSeconds: number;
  /** IANA time zone of the practice: CCM calendar months begin and end at local midnight there. */
  practiceTimezone: string;
  /** Key signing the dashboard session cookies; unset = generated once into DATA_DIR/session-secret. */
  sessionSecret?: string;
  /** A user-supplied AHRQ chronic condition indicator CSV (CCIR for ICD-10-CM) loaded at start. */
  chronicIndicatorCsv?: string;
  /**
   * CCM_REQUIRE_ATTESTATION: a chronic condition counts toward the CCM/PCM gate only once a clinician attested
   * both criteria (ccm-rules.md, gate 2); false lets a table-chronic code count unattested. Default true.
   */
  ccmRequireAttestation: boolean;
  /** Clinician app: per-issuer client registrations (`{"issuers": [...]}`, see smart-app/issuers.ts). */
  smartAppClientsFile?: string;
  /** EHR_ISSUERS_FILE: the trusted EHR issuers (server/ccm/ehr-link/issuers.ts; README "Linking EHRs"). */
  ehrIssuersFile?: string;
  /** Clinician app: CSP frame-ancestors sources allowed to frame the app (EHR iframes); default 'self'. */
  smartAppFrameAncestors: string;
  /** Clinician app: minutes a launch session lives without use. */
  smartAppSessionMinutes: number;
  /** Sign-in and token endpoint rate limits. */
  rateLimits: RateLimitConfig;
  /** Search paging: most snapshots of sorted results kept per token holder (client, user, patient). */
  searchSnapshotsPerClient: number;
  /** Search paging: most snapshots kept in all. */
  searchSnapshotsMax: number;
  /** Search paging: most result keys all snapshots hold together (one snapshot: at most this many). */
  searchSnapshotKeysMax: number;
  /** Search paging: seconds a snapshot can be paged through. */
  searchSnapshotSeconds: number;
}

/** A configuration error listing every invalid variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  dflt: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
    return dflt;
  }
  return Number(raw);
}

/** Parses a size such as `5mb`, `512kb` or `1048576` into bytes; NaN when malformed. */
export function parseByteSize(raw: string): number {
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  if (!m) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Number(m[1]) * factor;
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  problems.push(`${name}=${raw}: expected true or false`);
  return dflt;
}

function baseUrlOf(env: NodeJS.ProcessEnv, host: string, port: number, problems: string[]): string {
  const raw = env.BASE_URL;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  if (raw === undefined || raw === '') return `http://${shownHost}:${port}/fhir`;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return raw.replace(/\/+$/, '');
  } catch {
    problems.push(`BASE_URL=${raw}: expected an absolute http(s) URL such as https://fhir.example.org/fhir`);
    return `http://${shownHost}:${port}/fhir`;
  }
}

function unknownProfilesOf(env: NodeJS.ProcessEnv, problems: string[]): Config['unknownProfiles'] {
  const raw = env.UNKNOWN_PROFILES;
  // `ignore` is the earlier name of `warn`
  if (raw === undefined || raw === '' || raw === 'warn' || raw === 'ignore') return 'warn';
  if (raw === 'reject') return 'reject';
  problems.push(`UNKNOWN_PROFILES=${raw}: expected warn or reject`);
  return 'warn';
}

/** An optional path to an existing folder, resolved. */
function dirOf(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const dir = path.resolve(raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${name}=${raw}: no such folder`);
  return dir;
}

/** An optional path to an existing file, resolved. */
function fileOf(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const file = path.resolve(raw);
  if (!existsSync(file)) problems.push(`${name}=${raw}: no such file`);
  return file;
}

/** PRACTICE_TIMEZONE: an IANA zone name this runtime knows (default America/New_York). */
function timezoneOf(env: NodeJS.ProcessEnv, problems: string[]): string {
  const raw = env.PRACTICE_TIMEZONE;
  if (raw === undefined || raw === '') return 'America/New_York';
  if (!isValidTimeZone(raw))
    problems.push(`PRACTICE_TIMEZONE=${raw}: expected an IANA time zone such as America/Chicago`);
  return raw;
}

/** SESSION_SECRET: at least 32 characters when set. */
function sessionSecretOf(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const raw = env.SESSION_SECRET;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) problems.push('SESSION_SECRET: expected at least 32 characters');
  return raw;
}

/** SMART_APP_CLIENTS_FILE: an existing file that parses as the app's per-issuer client registrations. */
function appClientsFileOf(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const file = fileOf(env, 'SMART_APP_CLIENTS_FILE', problems);
  if (!file || !existsSync(file)) return file;
  try {
    parseIssuerClients(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return file;
}

/** SMART_APP_FRAME_ANCESTORS: CSP source expressions (`'self'`, `https://ehr.example.org`), space-separated. */
function frameAncestorsOf(env: NodeJS.ProcessEnv, problems: string[]): string {
  const raw = env.SMART_APP_FRAME_ANCESTORS;
  if (raw === undefined || raw.trim() === '') return "'self'";
  const sources = raw.trim().split(/\s+/);
  const ok = (s: string) =>
    ["'self'", "'none'"].includes(s) || /^https?:\/\/[A-Za-z0-9.\-*]+(:\d+)?$/.test(s);
  if (!sources.every(ok))
    problems.push(
      `SMART_APP_FRAME_ANCESTORS=${raw}: expected 'self', 'none' or origins such as https://ehr.example.org`,
    );
  return sources.join(' ');
}

/** The demo switches: DEMO (default false) is the default of each of the four. */
function demoSwitchesOf(
  env: NodeJS.ProcessEnv,
  problems: string[],
): Pick<Config, 'demo' | 'demoUsers' | 'demoClients' | 'ehrSimulator' | 'demoData'> {
  const demo = bool(env, 'DEMO', false, problems);
  return {
    demo,
    demoUsers: bool(env, 'DEMO_USERS', demo, problems),
    demoClients: bool(env, 'SMART_DEMO_CLIENTS', demo, problems),
    ehrSimulator: bool(env, 'EHR_SIMULATOR', demo, problems),
    demoData: bool(env, 'DEMO_DATA', demo, problems),
  };
}

/** The users store of a data directory: USERS_FILE, else DATA_DIR/users.json (also used by scripts/users.ts). */
export function usersFileOf(
  env: NodeJS.ProcessEnv,
  dataDir = path.resolve(env.DATA_DIR || './data'),
): string {
  return path.resolve(env.USERS_FILE || path.join(dataDir, 'users.json'));
}

/** USERS_FILE: absent (no users yet) or a users file that parses. */
function checkUsersFile(env: NodeJS.ProcessEnv, file: string, problems: string[]): void {
  try {
    readUsersFile(file);
  } catch (err) {
    const name = env.USERS_FILE ? `USERS_FILE=${env.USERS_FILE}` : `USERS_FILE (default ${file})`;
    problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The switches that publish credentials (the README's demo passwords and client secrets) and are on. */
export function demoCredentialSwitches(c: Pick<Config, 'demoUsers' | 'demoClients'>): string[] {
  return [...(c.demoUsers ? ['DEMO_USERS'] : []), ...(c.demoClients ? ['SMART_DEMO_CLIENTS'] : [])];
}

/** NODE_ENV=production refuses demo credentials: the problem naming the switches to turn off, or null. */
export function productionProblem(
  nodeEnv: string | undefined,
  c: Pick<Config, 'demoUsers' | 'demoClients'>,
): string | null {
  const on = demoCredentialSwitches(c);
  if (nodeEnv !== 'production' || on.length === 0) return null;
  return (
    `NODE_ENV=production with demo credentials on (${on.join(', ')}): their passwords and secrets are ` +
    `published in the README. Set DEMO=false and ${on.map((n) => `${n}=false`).join(' and ')} ` +
    '(add real users with npm run users -- add <username> --role ...).'
  );
}

/** The SIGNIN_* and TOKEN_REQUESTS_* rate limits. */
function rateLimitsOf(env: NodeJS.ProcessEnv, problems: string[]): RateLimitConfig {
  const d = DEFAULT_RATE_LIMITS;
  const day = 24 * 3600;
  const big = 1_000_000;
  return {
    signInAccountFailures: integer(env, 'SIGNIN_ACCOUNT_FAILURES', d.signInAccountFailures, 1, big, problems),
    signInAddressFailures: integer(env, 'SIGNIN_ADDRESS_FAILURES', d.signInAddressFailures, 1, big, problems),
    signInWindowSeconds: integer(env, 'SIGNIN_WINDOW_SECONDS', d.signInWindowSeconds, 1, day, problems),
    signInLockoutSeconds: integer(env, 'SIGNIN_LOCKOUT_SECONDS', d.signInLockoutSeconds, 1, day, problems),
    tokenPerClient: integer(env, 'TOKEN_REQUESTS_PER_CLIENT', d.tokenPerClient, 1, big, problems),
    tokenPerAddress: integer(env, 'TOKEN_REQUESTS_PER_ADDRESS', d.tokenPerAddress, 1, big, problems),
  };
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 8080, 0, 65535, problems);
  const host = env.HOST || '127.0.0.1';
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL=${env.LOG_LEVEL}: expected one of ${LOG_LEVELS.join(', ')}`);
  let bodyLimitBytes = 16 * 1024 * 1024;
  if (env.BODY_LIMIT) {
    bodyLimitBytes = parseByteSize(env.BODY_LIMIT);
    if (!Number.isFinite(bodyLimitBytes) || bodyLimitBytes < 1024) {
      problems.push(`BODY_LIMIT=${env.BODY_LIMIT}: expected a size such as 16mb (at least 1kb)`);
      bodyLimitBytes = 16 * 1024 * 1024;
    }
  }
  let storeSync: Config['storeSync'] = 'FULL';
  if (env.STORE_SYNC) {
    const v = env.STORE_SYNC.toUpperCase();
    if (v === 'FULL' || v === 'NORMAL') storeSync = v;
    else problems.push(`STORE_SYNC=${env.STORE_SYNC}: expected FULL (the default) or NORMAL`);
  }
  const mongodbUri = env.MONGODB_URI || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI: expected a mongodb:// or mongodb+srv:// connection string');
  }
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const usersFile = usersFileOf(env, dataDir);
  checkUsersFile(env, usersFile, problems);
  const demoSwitches = demoSwitchesOf(env, problems);
  const config: Config = {
    port,
    host,
    baseUrl: baseUrlOf(env, host, port, problems),
    dataDir,
    mongodbUri,
    mongodbDb: env.MONGODB_DB || undefined,
    logLevel,
    bodyLimitBytes,
    storeSync,
    ...demoSwitches,
    usersFile,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000, problems),
    bundleMaxEntries: integer(env, 'BUNDLE_MAX_ENTRIES', 10000, 1, 1000000, problems),
    searchMaxValues: integer(env, 'SEARCH_MAX_VALUES', 100, 1, 100000, problems),
    searchMaxParameters: integer(env, 'SEARCH_MAX_PARAMETERS', 50, 1, 10000, problems),
    searchSortMaxKeys: integer(env, 'SEARCH_SORT_MAX_KEYS', 5, 1, 50, problems),
    searchSortMax: integer(env, 'SEARCH_SORT_MAX', 10000, 1, 100000, problems),
    resourceMaxArrayItems: integer(env, 'RESOURCE_MAX_ARRAY_ITEMS', 10000, 1, 10000000, problems),
    resourceMaxElements: integer(env, 'RESOURCE_MAX_ELEMENTS', 100000, 1, 100000000, problems),
    bulkExpirySeconds: integer(env, 'BULK_EXPIRY_SECONDS', 3600, 1, 30 * 24 * 3600, problems),
    unknownProfiles: unknownProfilesOf(env, problems),
    igPackagesDir: dirOf(env, 'IG_PACKAGES_DIR', problems),
    signingKeyFile: fileOf(env, 'SMART_SIGNING_KEY_FILE', problems),
    clientsFile: fileOf(env, 'SMART_CLIENTS_FILE', problems),
    accessTokenSeconds: integer(env, 'ACCESS_TOKEN_SECONDS', 3600, 60, 86400, problems),
    backendTokenSeconds: integer(env, 'BACKEND_TOKEN_SECONDS', 300, 1, 300, problems),
    practiceTimezone: timezoneOf(env, problems),
    sessionSecret: sessionSecretOf(env, problems),
    chronicIndicatorCsv: fileOf(env, 'CHRONIC_INDICATOR_CSV', problems),
    ccmRequireAttestation: bool(env, 'CCM_REQUIRE_ATTESTATION', true, problems),
    smartAppClientsFile: appClientsFileOf(env, problems),
    smartAppFrameAncestors: frameAncestorsOf(env, problems),
    ehrIssuersFile: ehrIssuersFileOf(env, problems),
    smartAppSessionMinutes: integer(env, 'SMART_APP_SESSION_MINUTES', 480, 5, 7 * 24 * 60, problems),
    rateLimits: rateLimitsOf(env, problems),
    searchSnapshotsPerClient: integer(env, 'SEARCH_SNAPSHOTS_PER_CLIENT', 10, 1, 10_000, problems),
    searchSnapshotsMax: integer(env, 'SEARCH_SNAPSHOTS_MAX', 100, 1, 100_000, problems),
    searchSnapshotKeysMax: integer(env, 'SEARCH_SNAPSHOT_KEYS_MAX', 500_000, 1000, 100_000_000, problems),
    searchSnapshotSeconds: integer(env, 'SEARCH_SNAPSHOT_SECONDS', 600, 10, 24 * 3600, problems),
  };
  const production = productionProblem(env.NODE_ENV, config);
  if (production) problems.push(production);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
