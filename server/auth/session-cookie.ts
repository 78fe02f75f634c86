/**
 * Stateless sign-in sessions: a JWT (RFC 7519, HS256, made and checked with jose) in an httpOnly,
 * SameSite=Strict cookie, so any number of server processes sharing the signing key accept it. CSRF tokens
 * are derived from the session id with HMAC (no server state); before sign-in, the login form uses a
 * double-submit token (random value in its own httpOnly cookie, echoed by the form).
 * The key comes from SESSION_SECRET, or is generated once into DATA_DIR/session-secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jwtVerify, SignJWT } from 'jose';

/** What a session cookie says about its user. */
export interface SessionClaims {
  /** User name. */
  sub: string;
  name: string;
  roles: string[];
  /** Session id (JWT `jti`): CSRF tokens are derived from it. */
  sid: string;
}

/** Cookie settings. */
export interface SessionCookieOptions {
  cookieName?: string;
  /** Cookie path; `/` by default. */
  path?: string;
  maxAgeSeconds?: number;
  /** Add `Secure` (set it when the server is reached over https). */
  secure?: boolean;
}

const ISSUER = 'ccm-fhir';
const AUDIENCE = 'ccm-fhir-session';

/** The signing key: SESSION_SECRET, else DATA_DIR/session-secret (created once, mode 0600), else random. */
export function resolveSessionSecret(opts: { secret?: string; dataDir?: string }): Uint8Array {
  if (opts.secret) return new TextEncoder().encode(opts.secret);
  if (!opts.dataDir) return randomBytes(32);
  const file = path.join(opts.dataDir, 'session-secret');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  } catch {
    mkdirSync(opts.dataDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  }
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Constant-time comparison of two strings. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Issues and reads session cookies and their CSRF tokens. */
export class SessionCookies {
  readonly cookieName: string;
  private readonly path: string;
  private readonly maxAge: number;
  private readonly secure: boolean;

  constructor(
    private readonly key: Uint8Array,
    opts: SessionCookieOptions = {},
  ) {
    this.cookieName = opts.cookieName ?? 'ccm_session';
    this.path = opts.path ?? '/';
    this.maxAge = opts.maxAgeSeconds ?? 8 * 3600;
    this.secure = opts.secure ?? false;
  }

  /** A Set-Cookie value with this instance's attributes. */
  private cookie(name: string, value: string, maxAge: number): string {
    const attrs = [
      `${name}=${value}`,
      `Path=${this.path}`,
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAge}`,
    ];
    if (this.secure) attrs.push('Secure');
    return attrs.join('; ');
  }

  /** Signs a session for a user; returns the Set-Cookie value and the claims. */
  async issue(user: {
    username: string;
    displayName: string;
    roles: string[];
  }): Promise<{ setCookie: string; claims: SessionClaims }> {
    const sid = randomBytes(16).toString('base64url');
    const jwt = await new SignJWT({ name: user.displayName, roles: user.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.username)
      .setJti(sid)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.maxAge}s`)
      .sign(this.key);
    return {
      setCookie: this.cookie(this.cookieName, jwt, this.maxAge),
      claims: { sub: user.username, name: user.displayName, roles: user.roles, sid },
    };
  }

  /** The session of a request's Cookie header, or null when absent, expired or not ours. */
  async read(cookieHeader: string | undefined): Promise<SessionClaims | null> {
    const token = parseCookies(cookieHeader)[this.cookieName];
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') return null;
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is string => typeof r === 'string')
        : [];
      return {
        sub: payload.sub,
        name: typeof payload.name === 'string' ? payload.name : payload.sub,
        roles,
        sid: payload.jti,
      };
    } catch {
      return null;
    }
  }

  /** A Set-Cookie value that deletes the session cookie. */
  clear(): string {
    return this.cookie(this.cookieName, '', 0);
  }

  /** The CSRF token of a session (HMAC of its id). */
  csrfToken(session: SessionClaims): string {
    return createHmac('sha256', this.key).update(`csrf:${session.sid}`).digest('base64url');
  }

  /** Whether a submitted token is the session's CSRF token. */
  checkCsrf(session: SessionClaims, token: unknown): boolean {
    return typeof token === 'string' && same(token, this.csrfToken(session));
  }

  /** A fresh pre-sign-in CSRF token and the Set-Cookie value carrying it. */
  loginCsrf(): { token: string; setCookie: string } {
    const token = randomBytes(18).toString('base64url');
    return { token, setCookie: this.cookie(`${this.cookieName}_csrf`, token, 1800) };
  }

  /** A Set-Cookie value that deletes the pre-sign-in CSRF cookie. */
  clearLoginCsrf(): string {
    return this.cookie(`${this.cookieName}_csrf`, '', 0);
  }

  /** Whether a login form's token matches its cookie (double submit). */
  checkLoginCsrf(cookieHeader: string | undefined, token: unknown): boolean {
    const expected = parseCookies(cookieHeader)[`${this.cookieName}_csrf`];
    return typeof token === 'string' && expected !== undefined && same(token, expected);
  }
}
