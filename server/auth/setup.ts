/**
 * Builds the SMART mode for createApp from the configuration and the store: the signing key (keys.ts),
 * the client registry (clients.ts), the auth state on the store's `auth_state` collection (ttl-store.ts)
 * and the practice users and browser sessions given by the caller.
 */
import type { JSONWebKeySet } from 'jose';
import { appClientRegistration, loadAppClientKey } from '../ccm/ehr-link/app-client.js';
import { IssuerKeys } from '../ccm/ehr-link/id-token.js';
import { loadEhrIssuers, type EhrIssuer } from '../ccm/ehr-link/issuers.js';
import type { Storage } from '../storage/repository.js';
import { loadClientRegistry, type ClientRegistration } from './clients.js';
import { jwksFetcher } from './jwks-fetch.js';
import { loadSigningKeys, type SigningKeys } from './keys.js';
import {
  DEFAULT_SETTINGS,
  publicUrls,
  type BrowserSessions,
  type SmartAccess,
  type SmartSettings,
  type UserDirectory,
} from './smart-access.js';
import { CollectionTtlStore, type TtlStore } from './ttl-store.js';
import { VerifiedTokens } from './verified-tokens.js';

/** The configuration the SMART mode reads (see config.ts). */
export interface SmartConfig {
  baseUrl: string;
  dataDir?: string;
  /** SMART_SIGNING_KEY_FILE */
  signingKeyFile?: string;
  /** SMART_CLIENTS_FILE */
  clientsFile?: string;
  /** SMART_DEMO_CLIENTS */
  demoClients?: boolean;
  /** ACCESS_TOKEN_SECONDS */
  accessTokenSeconds?: number;
  /** BACKEND_TOKEN_SECONDS */
  backendTokenSeconds?: number;
  /** EHR_ISSUERS_FILE */
  ehrIssuersFile?: string;
}

/** Everything createSmartAccess needs; the optional parts are for tests. */
export interface SmartDeps {
  config: SmartConfig;
  store: Storage;
  users: UserDirectory;
  sessions: BrowserSessions;
  clock?: () => Date;
  keys?: SigningKeys;
  state?: TtlStore;
  extraClients?: ClientRegistration[];
  settings?: Partial<SmartSettings>;
  fetchJwks?: (url: string) => Promise<JSONWebKeySet>;
  /** Trusted EHR issuers (else read from config.ehrIssuersFile). */
  ehrIssuers?: EhrIssuer[];
}

/** The token exchange's trusted issuers and the app's exchange client, when any issuer is trusted. */
async function ehrLinkOf(deps: SmartDeps, clock: () => Date): Promise<SmartAccess['ehrLink']> {
  const issuers =
    deps.ehrIssuers ?? (deps.config.ehrIssuersFile ? loadEhrIssuers(deps.config.ehrIssuersFile) : []);
  if (issuers.length === 0) return undefined;
  return { issuers, keys: new IssuerKeys(clock), appClient: await loadAppClientKey(deps.store) };
}

/** Builds the SMART mode (`access` of createApp). */
export async function createSmartAccess(deps: SmartDeps): Promise<SmartAccess> {
  const clock = deps.clock ?? (() => new Date());
  const { origin, authBase } = publicUrls(deps.config.baseUrl);
  const keys =
    deps.keys ??
    (await loadSigningKeys({
      file: deps.config.signingKeyFile,
      store: deps.store,
      dataDir: deps.config.dataDir,
    }));
  const ehrLink = await ehrLinkOf(deps, clock);
  const clients = loadClientRegistry({
    origin,
    demoClients: deps.config.demoClients ?? false,
    file: deps.config.clientsFile,
    // The in-process app's exchange client (its client_id is reserved: it replaces a file's entry).
    extra: [...(ehrLink ? [appClientRegistration(ehrLink.appClient)] : []), ...(deps.extraClients ?? [])],
  });
  const settings: SmartSettings = { ...DEFAULT_SETTINGS, ...deps.settings };
  if (deps.config.accessTokenSeconds) settings.accessTokenSeconds = deps.config.accessTokenSeconds;
  if (deps.config.backendTokenSeconds) settings.backendTokenSeconds = deps.config.backendTokenSeconds;
  return {
    mode: 'smart',
    issuer: deps.config.baseUrl,
    authBase,
    origin,
    keys,
    clients,
    state: deps.state ?? new CollectionTtlStore(deps.store, clock),
    verified: new VerifiedTokens(),
    users: deps.users,
    sessions: deps.sessions,
    settings,
    clock,
    fetchJwks: deps.fetchJwks ?? jwksFetcher(clock),
    ...(ehrLink ? { ehrLink } : {}),
  };
}
