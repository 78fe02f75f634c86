/**
 * SMART-enforcing test apps: the demo practice loaded, a fresh signing key, practitioner users in the
 * practice user store and the signed session cookie (practice-login.ts), extra test clients, and the browser steps of the authorization code flow
 * (authorize → login → consent → redirect with code) driven through a cookie-keeping supertest agent.
 */
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Logger } from 'pino';
import type { ClientRegistration } from '../../server/auth/clients.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { secretHash } from '../../server/auth/clients.js';
import { generateSigningKeys, type SigningKeys } from '../../server/auth/keys.js';
import { createSmartAccess } from '../../server/auth/setup.js';
import { practiceLogin } from '../../server/auth/practice-login.js';
import { hashPassword, PracticeUserStore } from '../../server/auth/practice-users.js';
import type { PracticeUser, SmartAccess, SmartSettings } from '../../server/auth/smart-access.js';
import { mintAccessToken } from '../../server/auth/tokens.js';
import type { RateLimitConfig } from '../../server/config.js';
import { loadDemoData } from '../../server/demo-data.js';
import { makeTestApp, TEST_BASE, type TestApp } from './test-app.js';

export const ORIGIN = 'http://127.0.0.1:8080';
export const AUTH = `${ORIGIN}/auth`;

/** Demo practice users of the test apps (the passwords are test-only). */
export const TEST_USERS: Array<PracticeUser & { password: string }> = [
  {
    username: 'okonkwo',
    password: 'okonkwo-test-pass',
    name: 'Dr. Adaeze Okonkwo',
    fhirUser: 'Practitioner/demo-pr-1',
  },
  {
    username: 'lindqvist',
    password: 'lindqvist-test-pass',
    name: 'Erik Lindqvist, RN',
    fhirUser: 'Practitioner/demo-pr-2',
  },
];

/** The practice users of the test apps, as the practice user store keeps them (scrypt hashes). */
function testPracticeUsers(): PracticeUserStore {
  return new PracticeUserStore(
    TEST_USERS.map((u) => ({
      username: u.username,
      displayName: u.name,
      roles: ['physician'],
      fhirUser: u.fhirUser,
      passwordHash: hashPassword(u.password),
    })),
  );
}

/** Test clients: public, confidential (client_secret_basic) and their redirect URIs. */
export const TEST_REDIRECT = 'https://app.example.org/callback';
export const TEST_SECRET = 'test-confidential-secret-0123456789';
const USER_SCOPES =
  'launch launch/patient launch/encounter openid fhirUser profile offline_access online_access patient/*.cruds user/*.cruds';

/** Registrations of the test user-facing clients. */
export function testClients(): ClientRegistration[] {
  return [
    {
      client_id: 'test-public',
      token_endpoint_auth_methods: ['none'],
      redirect_uris: [TEST_REDIRECT],
      launch_uri: 'https://app.example.org/launch',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: USER_SCOPES,
    },
    {
      client_id: 'test-confidential',
      token_endpoint_auth_methods: ['client_secret_basic'],
      client_secret_sha256: secretHash(TEST_SECRET),
      redirect_uris: [TEST_REDIRECT, 'https://app.example.org/other'],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: USER_SCOPES,
    },
  ];
}

/** A SMART test app and its SMART mode. */
export interface SmartTestApp extends TestApp {
  smart: SmartAccess;
}

/** A clock the tests can move forward. */
export function testClock(start = Date.now()): { now: () => Date; advance(seconds: number): void } {
  let t = start;
  return { now: () => new Date(t), advance: (s) => (t += s * 1000) };
}

let sharedKeys: Promise<SigningKeys> | undefined;
let practiceUsers: Promise<PracticeUserStore> | undefined;

/** Builds a SMART-enforcing app with the demo practice loaded. */
export async function makeSmartTestApp(
  opts: {
    clock?: () => Date;
    extraClients?: ClientRegistration[];
    settings?: Partial<SmartSettings>;
    logger?: Logger;
    baseUrl?: string;
    fetchJwks?: SmartAccess['fetchJwks'];
    rateLimits?: RateLimitConfig;
    /** A data directory for the embedded store (memory only when absent). */
    dataDir?: string;
    /** The signing key (default one key shared by the suite's apps). */
    keys?: SigningKeys;
    /** Trusted EHR issuers of the token exchange (EHR_ISSUERS_FILE). */
    ehrIssuers?: EhrIssuer[];
  } = {},
): Promise<SmartTestApp> {
  sharedKeys ??= generateSigningKeys();
  practiceUsers ??= Promise.resolve(testPracticeUsers());
  const keys = opts.keys ?? (await sharedKeys);
  const users = await practiceUsers;
  let smart: SmartAccess | undefined;
  const t = await makeTestApp({
    clock: opts.clock,
    logger: opts.logger,
    baseUrl: opts.baseUrl,
    demo: true,
    rateLimits: opts.rateLimits,
    dataDir: opts.dataDir,
    access: async (store) => {
      smart = await createSmartAccess({
        config: { baseUrl: opts.baseUrl ?? TEST_BASE, demoClients: true },
        store,
        ...practiceLogin({ users, key: randomBytes(32), secure: false }),
        clock: opts.clock,
        keys,
        extraClients: [...testClients(), ...(opts.extraClients ?? [])],
        settings: opts.settings,
        fetchJwks: opts.fetchJwks,
        ehrIssuers: opts.ehrIssuers,
      });
      return smart;
    },
  });
  await loadDemoData(t.services);
  return { ...t, smart: smart as SmartAccess };
}

/** A PKCE pair (RFC 7636 §4.1-4.2, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Signs an access token directly (resource-server tests; the flows are tested on their own). */
export async function mintToken(
  smart: SmartAccess,
  scope: string,
  ctx: { patient?: string; clientId?: string; sub?: string; seconds?: number; encounter?: string } = {},
): Promise<string> {
  const grant = {
    gid: randomBytes(8).toString('hex'),
    clientId: ctx.clientId ?? 'test-confidential',
    sub: ctx.sub ?? 'okonkwo',
    scope,
    patient: ctx.patient,
    encounter: ctx.encounter,
  };
  return (await mintAccessToken(smart, grant, scope, ctx.seconds ?? 3600)).token;
}

/** The path (and query) of an absolute URL on the test origin, for supertest. */
export function pathOf(location: string): string {
  const u = new URL(location, ORIGIN);
  return `${u.pathname}${u.search}`;
}

/** Basic credentials (RFC 6749 §2.3.1). */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export { request };
