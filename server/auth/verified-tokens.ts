/**
 * A bounded cache of access tokens whose signature, issuer, audience and type were verified, keyed by the
 * token string. An entry serves until the token's `exp` (checked on every hit against the access clock,
 * exactly as jose checks it) and is dropped at once when the token or its grant is revoked in this process.
 * The cache never replaces the revocation check: every request still asks the auth state whether the token
 * or its grant was revoked (another server process may have revoked it, RFC 7009 §2).
 */
import type { AccessContext } from '../fhir/access/context.js';
import type { AccessClaims } from './tokens.js';

/** One verified token. */
export interface VerifiedToken {
  claims: AccessClaims;
  context: AccessContext;
}

/** Counters for tests and profiles. */
export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/** Verified access tokens, at most `capacity`, the oldest dropped first. */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly capacity = 10_000) {}

  /**
   * The verified token when cached and not expired at `nowSeconds` (jose: expired when exp <= now);
   * `countMiss` false for a look-up whose miss is followed by a counted one.
   */
  get(token: string, nowSeconds: number, countMiss = true): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.claims.exp > nowSeconds) {
      this.hits++;
      return entry;
    }
    if (entry) this.entries.delete(token);
    if (countMiss) this.misses++;
    return undefined;
  }

  /** Keeps a verified token (its context frozen, as it is shared by the requests presenting it). */
  set(token: string, entry: VerifiedToken): void {
    if (this.capacity <= 0) return;
    Object.freeze(entry.context.scopes);
    Object.freeze(entry.context.grants);
    Object.freeze(entry.context);
    Object.freeze(entry.claims);
    this.entries.delete(token);
    this.entries.set(token, entry);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** Drops one token (it was found revoked). */
  forget(token: string): void {
    this.entries.delete(token);
  }

  /** Drops the token with this `jti` (RFC 7009 revocation of an access token). */
  forgetTokenId(jti: string): void {
    for (const [token, entry] of this.entries) if (entry.claims.jti === jti) this.entries.delete(token);
  }

  /** Drops every token issued under a grant (revocation of the grant or its refresh token). */
  forgetGrant(gid: string): void {
    for (const [token, entry] of this.entries) if (entry.claims.gid === gid) this.entries.delete(token);
  }

  /** Hits, misses and size so far. */
  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
