/**
 * Access for the benchmarks when the server enforces SMART (SMART App Launch 2.2, Backend Services):
 * a client registered for the run (SMART_CLIENTS_FILE, `client_secret_basic`, `system/*.cruds`, a random
 * secret stored as its SHA-256) and a client_credentials token sent as `Authorization: Bearer` on every
 * request, to the ceiling as well so both see the same request. A server without SMART discovery is used
 * without a token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from './http.js';
import { trackTempDir } from './processes.js';

/** The client registered for this run. */
export interface BenchClient {
  id: string;
  secret: string;
  /** The clients file to give the server as SMART_CLIENTS_FILE. */
  file: string;
}

let client: BenchClient | undefined;

/** The run's client (created on first use, in a temporary directory removed at exit). */
export function benchClient(): BenchClient {
  if (client) return client;
  const dir = trackTempDir(mkdtempSync(path.join(tmpdir(), 'ccm-bench-client-')));
  const secret = randomBytes(24).toString('hex');
  const file = path.join(dir, 'clients.json');
  const registration = {
    client_id: 'ccm-bench',
    client_name: 'ccm-fhir benchmark (Backend Services)',
    token_endpoint_auth_methods: ['client_secret_basic'],
    client_secret_sha256: createHash('sha256').update(secret).digest('hex'),
    grant_types: ['client_credentials'],
    scope: 'system/*.cruds',
  };
  writeFileSync(file, JSON.stringify({ clients: [registration] }, null, 2));
  client = { id: registration.client_id, secret, file };
  return client;
}

/** The server environment that registers the bench client. */
export function authEnv(): Record<string, string> {
  return { SMART_CLIENTS_FILE: benchClient().file };
}

/** Live access to a server: `headers` is updated in place when the token is renewed. */
export interface Access {
  /** Sent with every request; holds `authorization` when the server enforces SMART. */
  readonly headers: Record<string, string>;
  /** Stops renewing the token. */
  stop(): void;
}

/** Requests a client_credentials token; returns it with its lifetime in seconds (if given). */
async function fetchToken(tokenEndpoint: string): Promise<{ token: string; seconds?: number }> {
  const c = benchClient();
  const r = await request(tokenEndpoint, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds' }).toString(),
  });
  const body = r.status === 200 ? (JSON.parse(r.text) as { access_token?: string; expires_in?: number }) : {};
  if (!body.access_token)
    throw new Error(`token request to ${tokenEndpoint} failed: ${r.status} ${r.text.slice(0, 200)}`);
  return { token: body.access_token, seconds: body.expires_in };
}

/**
 * Access to the server at `base`: a Bearer token when the server offers SMART discovery, renewed at
 * two thirds of its lifetime (Backend Services tokens live at most 300 s); no token otherwise.
 */
export async function startAccess(base: string): Promise<Access> {
  const headers: Record<string, string> = {};
  const discovery = await request(`${base}/.well-known/smart-configuration`, {
    headers: { accept: 'application/json' },
  });
  const tokenEndpoint =
    discovery.status === 200
      ? (JSON.parse(discovery.text) as { token_endpoint?: string }).token_endpoint
      : undefined;
  if (!tokenEndpoint) return { headers, stop: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const renew = async () => {
    const t = await fetchToken(tokenEndpoint);
    headers.authorization = `Bearer ${t.token}`;
    if (t.seconds && !stopped) {
      timer = setTimeout(() => void renew().catch(() => undefined), (t.seconds * 1000 * 2) / 3);
      timer.unref();
    }
  };
  await renew();
  return {
    headers,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
