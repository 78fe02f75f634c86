/**
 * The client registry: the demo registrations in fixtures/clients.json (unless turned off) plus a
 * configured file of the same shape. A registration names how the client authenticates (SMART App Launch
 * 2.2 client-authentication: `none` for public clients, `client_secret_basic`/`client_secret_post` for
 * symmetric ones, `private_key_jwt` with a JWK Set by value or by URL for asymmetric ones), its exact
 * redirect URIs, grant types and the most it may be granted (`scope`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JSONWebKeySet } from 'jose';
import { splitScopes } from '../fhir/access/scopes.js';

export const DEMO_CLIENTS_FILE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'clients.json',
);

export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
/** RFC 8693 §2.1: the token exchange of an EHR's id_token (server/auth/token-exchange.ts). */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof TOKEN_EXCHANGE;

/** A registration as written in a clients file. */
export interface ClientRegistration {
  client_id: string;
  client_name?: string;
  token_endpoint_auth_methods: AuthMethod[];
  /** SHA-256 (hex) of the client secret. */
  client_secret_sha256?: string;
  redirect_uris?: string[];
  launch_uri?: string;
  grant_types: GrantType[];
  scope: string;
  jwks?: JSONWebKeySet;
  jwks_uri?: string;
}

/** A registered client. */
export interface Client {
  id: string;
  name: string;
  authMethods: ReadonlySet<AuthMethod>;
  secretSha256?: string;
  redirectUris: string[];
  launchUri?: string;
  grantTypes: ReadonlySet<GrantType>;
  /** The most this client may be granted. */
  allowedScopes: string[];
  jwks?: JSONWebKeySet;
  jwksUri?: string;
}

const METHODS: readonly AuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];
const GRANTS: readonly GrantType[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  TOKEN_EXCHANGE,
];

/** Checks one registration and fills in `{origin}`; throws naming the client and the problem. */
export function toClient(r: ClientRegistration, origin: string): Client {
  const fail = (msg: string) => new Error(`Client ${JSON.stringify(r.client_id)}: ${msg}`);
  if (typeof r.client_id !== 'string' || !/^[\w.\-:]{1,100}$/.test(r.client_id)) throw fail('bad client_id');
  const methods = r.token_endpoint_auth_methods ?? [];
  if (methods.length === 0 || methods.some((m) => !METHODS.includes(m)))
    throw fail('bad token_endpoint_auth_methods');
  if (methods.includes('none') && methods.length > 1) throw fail('a public client has no other auth method');
  const secretMethod = methods.some((m) => m === 'client_secret_basic' || m === 'client_secret_post');
  if (secretMethod && !/^[0-9a-f]{64}$/.test(r.client_secret_sha256 ?? ''))
    throw fail('needs client_secret_sha256');
  if (methods.includes('private_key_jwt') && !r.jwks && !r.jwks_uri && !secretMethod) {
    throw fail('private_key_jwt needs jwks or jwks_uri');
  }
  if (!Array.isArray(r.grant_types) || r.grant_types.some((g) => !GRANTS.includes(g)))
    throw fail('bad grant_types');
  const fill = (u: string) => u.replaceAll('{origin}', origin);
  const redirectUris = (r.redirect_uris ?? []).map(fill);
  if (r.grant_types.includes('authorization_code') && redirectUris.length === 0)
    throw fail('needs redirect_uris');
  for (const u of redirectUris) {
    const parsed = URL.canParse(u) ? new URL(u) : undefined;
    if (!parsed || parsed.hash)
      throw fail(`redirect URI ${u} must be absolute, without fragment (RFC 6749 §3.1.2)`);
  }
  return {
    id: r.client_id,
    name: r.client_name ?? r.client_id,
    authMethods: new Set(methods),
    secretSha256: r.client_secret_sha256,
    redirectUris,
    launchUri: r.launch_uri ? fill(r.launch_uri) : undefined,
    grantTypes: new Set(r.grant_types),
    allowedScopes: splitScopes(r.scope),
    jwks: r.jwks,
    jwksUri: r.jwks_uri ? fill(r.jwks_uri) : undefined,
  };
}

/** Reads the registrations of a clients file (`{"clients": [...]}`). */
export function readClientsFile(file: string): ClientRegistration[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { clients?: ClientRegistration[] };
  if (!Array.isArray(parsed.clients)) throw new Error(`${file}: expected {"clients": [...]}`);
  return parsed.clients;
}

/** SHA-256 hex of a secret, as stored in registrations. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The registered clients. */
export class ClientRegistry {
  private readonly byId = new Map<string, Client>();

  constructor(clients: Client[]) {
    for (const c of clients) this.byId.set(c.id, c);
  }

  /** The client with this id, if registered. */
  get(id: string | undefined): Client | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Every registered client, in registration order. */
  all(): Client[] {
    return [...this.byId.values()];
  }

  /** Constant-time check of a client secret against the stored hash. */
  checkSecret(client: Client, secret: string): boolean {
    if (!client.secretSha256) return false;
    const given = Buffer.from(secretHash(secret), 'hex');
    const stored = Buffer.from(client.secretSha256, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored);
  }
}

/** Builds the registry: demo clients (unless off), then the configured file, then `extra` (later wins). */
export function loadClientRegistry(opts: {
  origin: string;
  demoClients: boolean;
  file?: string;
  extra?: ClientRegistration[];
}): ClientRegistry {
  const regs = [
    ...(opts.demoClients ? readClientsFile(DEMO_CLIENTS_FILE) : []),
    ...(opts.file ? readClientsFile(opts.file) : []),
    ...(opts.extra ?? []),
  ];
  return new ClientRegistry(regs.map((r) => toClient(r, opts.origin)));
}
