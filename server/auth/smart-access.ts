/**
 * The SMART mode of the app: everything the authorization server and the resource-server checks need,
 * built once per app and passed down explicitly (no module singletons). `createApp` takes
 * `access: { mode: 'smart', ... }` (every real server) or `{ mode: 'open' }` (only the in-process test apps
 * of suites that test other features).
 */
import type { Request, Response } from 'express';
import type { JSONWebKeySet } from 'jose';
import type { AppClientKey } from '../ccm/ehr-link/app-client.js';
import type { IssuerKeys } from '../ccm/ehr-link/id-token.js';
import type { EhrIssuer } from '../ccm/ehr-link/issuers.js';
import type { ClientRegistry } from './clients.js';
import type { SigningKeys } from './keys.js';
import type { TtlStore } from './ttl-store.js';
import type { VerifiedTokens } from './verified-tokens.js';

/** A practice user as the login page and the tokens see them. */
export interface PracticeUser {
  username: string;
  /** Display name. */
  name: string;
  /** The user's FHIR resource, relative (`Practitioner/demo-pr-1`). */
  fhirUser: string;
}

/** Who may sign in at the login page (the demo practice's users). */
export interface UserDirectory {
  /** The user when the password is right, else null. */
  verify(username: string, password: string): Promise<PracticeUser | null>;
  /** The user with this name, if any. */
  find(username: string): Promise<PracticeUser | null>;
}

/** The signed browser session shared by /auth, /ehr and /dashboard. */
export interface BrowserSessions {
  /** The signed-in username, or null. */
  read(req: Request): Promise<string | null>;
  /** Signs `username` in on this browser. */
  issue(res: Response, username: string): Promise<void>;
  /** Signs out. */
  clear(res: Response): void;
  /** A fresh pre-sign-in CSRF token for a login form; sets its cookie (double submit). */
  loginCsrf(res: Response): string;
  /** Whether a login form's `_csrf` value matches the request's CSRF cookie. */
  checkLoginCsrf(req: Request, token: unknown): boolean;
}

/** Lifetimes and fixed values. */
export interface SmartSettings {
  /** Access tokens of user launches (seconds). */
  accessTokenSeconds: number;
  /** Backend Services access tokens (seconds, at most 300). */
  backendTokenSeconds: number;
  /** Authorization codes (seconds; SMART App Launch 2.2 app-launch.html: short-lived, here 60). */
  codeSeconds: number;
  /** Refresh tokens with offline_access / online_access (seconds). */
  offlineSeconds: number;
  onlineSeconds: number;
}

export const DEFAULT_SETTINGS: SmartSettings = {
  accessTokenSeconds: 3600,
  backendTokenSeconds: 300,
  codeSeconds: 60,
  offlineSeconds: 90 * 24 * 3600,
  onlineSeconds: 12 * 3600,
};

/** The trusted EHRs of the token exchange (#18, EHR_ISSUERS_FILE) and the app's own exchange client. */
export interface EhrLinkAccess {
  issuers: EhrIssuer[];
  /** Their id_token signing keys, cached. */
  keys: IssuerKeys;
  /** The in-process clinician app's credential (server/ccm/ehr-link/app-client.ts). */
  appClient: AppClientKey;
}

/** The SMART mode. */
export interface SmartAccess {
  mode: 'smart';
  /** The FHIR base URL: the token audience, and the issuer of tokens and id_tokens. */
  issuer: string;
  /** Public URL of the authorization server (`{origin}/auth`). */
  authBase: string;
  /** Public origin (BASE_URL without `/fhir`), for /ehr and app URLs. */
  origin: string;
  keys: SigningKeys;
  clients: ClientRegistry;
  state: TtlStore;
  /** Access tokens verified before (until their expiry; revocation drops them). */
  verified: VerifiedTokens;
  users: UserDirectory;
  sessions: BrowserSessions;
  settings: SmartSettings;
  clock: () => Date;
  /** Fetches a client's JWK Set from its registered URL. */
  fetchJwks(url: string): Promise<JSONWebKeySet>;
  /** The token exchange of EHR id_tokens; absent when no EHR issuer is trusted. */
  ehrLink?: EhrLinkAccess;
}

/** How createApp guards /fhir. */
export type AccessMode = SmartAccess | { mode: 'open' };

/** The public origin and authorization server base of a FHIR base URL. */
export function publicUrls(baseUrl: string): { origin: string; authBase: string } {
  const origin = baseUrl.endsWith('/fhir') ? baseUrl.slice(0, -'/fhir'.length) : new URL(baseUrl).origin;
  return { origin, authBase: `${origin}/auth` };
}

/** Seconds since the epoch, from the access clock. */
export function nowSeconds(smart: Pick<SmartAccess, 'clock'>): number {
  return Math.floor(smart.clock().getTime() / 1000);
}
