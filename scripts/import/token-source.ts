/**
 * Access tokens for the importer (SMART App Launch 2.2 backend-services.html): the token endpoint is
 * discovered at `[base]/.well-known/smart-configuration`; a token is asked for with client_credentials,
 * the client authenticating with a signed assertion (private_key_jwt, RFC 7523) or its secret
 * (client_secret_basic, RFC 6749 §2.3.1). A token is renewed before it expires (when 80 % of its lifetime,
 * or all but 30 s of it, has passed) and once more when the server answers 401, so a load that outlasts a
 * token's lifetime goes on. Concurrent requests share one renewal.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import type { AuthConfig } from './auth-config.js';
import { bodyOf, withRetries, type HttpStats } from './http.js';
import type { RetryPolicy } from './retry.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The `exp` of a JWT access token in milliseconds, or null when the token is not a JWT with one. */
function jwtExpiry(token: string): number | null {
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Tokens could not be had (bad credentials, no token endpoint): the import stops. */
export class AuthError extends Error {}

interface Held {
  token: string;
  renewAt: number;
}

/** Hands out a current `Authorization` header value; `invalidate` after a 401. */
export interface Authorizer {
  /** The header value, or undefined when requests go without one. */
  authorization(): Promise<string | undefined>;
  /** Forgets `header` (answered 401); true when a new token can be had. */
  invalidate(header: string | undefined): boolean;
  /** Tokens obtained so far. */
  readonly obtained: number;
}

/** No credentials, or a fixed token (FHIR_TOKEN): nothing to renew. */
export function fixedAuthorizer(token: string | undefined): Authorizer {
  const header = token ? `Bearer ${token}` : undefined;
  return { authorization: async () => header, invalidate: () => false, obtained: 0 };
}

/** A token source for a `client` configuration against the FHIR server at `base`. */
export class TokenSource implements Authorizer {
  private held: Held | null = null;
  private pending: Promise<Held> | null = null;
  private endpoint: string | null = null;
  obtained = 0;

  constructor(
    private readonly base: string,
    private readonly config: Extract<AuthConfig, { kind: 'client' }>,
    private readonly policy: RetryPolicy,
    private readonly stats: HttpStats,
    private readonly now: () => number = Date.now,
  ) {}

  /** `Bearer <token>`, renewing the token first when it is due. */
  async authorization(): Promise<string> {
    if (!this.held || this.now() >= this.held.renewAt) {
      this.pending ??= this.fetchToken().finally(() => (this.pending = null));
      this.held = await this.pending;
    }
    return `Bearer ${this.held.token}`;
  }

  invalidate(header: string | undefined): boolean {
    if (this.held && header === `Bearer ${this.held.token}`) this.held = null;
    return true;
  }

  private async tokenEndpoint(): Promise<string> {
    if (this.endpoint) return this.endpoint;
    const url = `${this.base}/.well-known/smart-configuration`;
    const { res } = await withRetries(this.policy, this.stats, () =>
      fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) }),
    );
    const body = (await bodyOf(res)) as { token_endpoint?: unknown } | undefined;
    if (!res.ok || typeof body?.token_endpoint !== 'string')
      throw new AuthError(`${url} answered ${res.status} without a token_endpoint`);
    this.endpoint = body.token_endpoint;
    return this.endpoint;
  }

  private async assertion(endpoint: string): Promise<string> {
    const k = this.config.signingKey as NonNullable<typeof this.config.signingKey>;
    const now = Math.floor(this.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT' })
      .setIssuer(this.config.clientId)
      .setSubject(this.config.clientId)
      .setAudience(endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .setJti(randomUUID())
      .sign(k.key);
  }

  private async request(endpoint: string): Promise<Response> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: this.config.scope });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.config.signingKey) {
      form.set('client_assertion_type', JWT_BEARER);
      form.set('client_assertion', await this.assertion(endpoint)); // a new jti for every attempt
    } else {
      const enc = (s: string) => encodeURIComponent(s);
      const basic = `${enc(this.config.clientId)}:${enc(this.config.secret ?? '')}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    return fetch(endpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(30_000),
    });
  }

  private async fetchToken(): Promise<Held> {
    const endpoint = await this.tokenEndpoint();
    const asked = this.now();
    const { res } = await withRetries(this.policy, this.stats, () => this.request(endpoint));
    const body = (await bodyOf(res)) as
      | { access_token?: unknown; expires_in?: unknown; error?: string; error_description?: string }
      | undefined;
    if (!res.ok || typeof body?.access_token !== 'string') {
      const why = [body?.error, body?.error_description].filter(Boolean).join(': ');
      throw new AuthError(
        `token request for client ${this.config.clientId} (${this.config.source}) failed: ${res.status} ${why}`.trim(),
      );
    }
    this.obtained++;
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    // The token is opaque to clients, but when it is a JWT its `exp` (whole seconds) may come before
    // `expires_in` counted from our request: the earlier of the two is when it expires.
    const expiresAt = Math.min(asked + lifetimeMs, jwtExpiry(body.access_token) ?? Infinity);
    return { token: body.access_token, renewAt: expiresAt - Math.min(30_000, lifetimeMs * 0.2) };
  }
}
