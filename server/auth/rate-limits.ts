/**
 * Rate limits of the sign-in forms (/auth, /ehr, /dashboard) and of the token endpoint, on
 * rate-limiter-flexible's in-memory limiters (one set per app; with several server processes each counts
 * its own). Sign-in: every attempt reserves a point of its account and of its client address before the
 * password is hashed, so parallel attempts cannot pass the limit together; a success gives the address
 * point back and clears the account (failures are counted consecutively). An account or address over its
 * limit is refused for the lockout time without any hash. Token endpoint: every request counts, per
 * client_id and per address, in one-minute windows.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config.js';
import { DEFAULT_RATE_LIMITS } from '../config.js';
import { HashQueueFull } from './hash-gate.js';

/** Refused for now: answer 429 with `Retry-After: retryAfterSeconds`. */
export class RateLimited extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    readonly reason: 'account' | 'address' | 'busy' | 'client',
  ) {
    super(`Too many attempts (${reason}); retry after ${retryAfterSeconds} s`);
    this.name = 'RateLimited';
  }
}

/** Whole seconds, at least 1, of a limiter's answer. */
function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Consumes one point of `key`; throws RateLimited when over the limit. */
async function take(limiter: RateLimiterMemory, key: string, reason: RateLimited['reason']): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw new RateLimited(secondsOf(err), reason);
    throw err;
  }
}

/** The limits of the sign-in forms. */
export class SignInLimits {
  private readonly account: RateLimiterMemory;
  private readonly address: RateLimiterMemory;

  constructor(cfg: RateLimitConfig) {
    const block = cfg.signInLockoutSeconds;
    this.account = new RateLimiterMemory({
      keyPrefix: 'signin-account',
      points: cfg.signInAccountFailures,
      duration: cfg.signInWindowSeconds,
      blockDuration: block,
    });
    this.address = new RateLimiterMemory({
      keyPrefix: 'signin-address',
      points: cfg.signInAddressFailures,
      duration: cfg.signInWindowSeconds,
      blockDuration: block,
    });
  }

  /**
   * Checks a password under the limits: `verify` runs only when neither the account nor the address is
   * over its limit. Returns what `verify` returns; throws RateLimited (also when the hash queue is full).
   */
  async attempt<T>(account: string, address: string, verify: () => Promise<T | null>): Promise<T | null> {
    const name = account.trim().toLowerCase().slice(0, 200);
    await take(this.address, address, 'address');
    try {
      await take(this.account, name, 'account');
    } catch (err) {
      await this.address.reward(address);
      throw err;
    }
    let user: T | null;
    try {
      user = await verify();
    } catch (err) {
      // Not a failed password: give both points back.
      await Promise.all([this.address.reward(address), this.account.reward(name)]);
      if (err instanceof HashQueueFull) throw new RateLimited(1, 'busy');
      throw err;
    }
    if (user) await Promise.all([this.address.reward(address), this.account.delete(name)]);
    return user;
  }
}

/** The limits of the token endpoint. */
export class TokenLimits {
  private readonly client: RateLimiterMemory;
  private readonly address: RateLimiterMemory;

  constructor(cfg: RateLimitConfig) {
    this.client = new RateLimiterMemory({
      keyPrefix: 'token-client',
      points: cfg.tokenPerClient,
      duration: 60,
    });
    this.address = new RateLimiterMemory({
      keyPrefix: 'token-address',
      points: cfg.tokenPerAddress,
      duration: 60,
    });
  }

  /** Counts one token request; throws RateLimited when its address or client is over the limit. */
  async take(clientId: string | undefined, address: string): Promise<void> {
    await take(this.address, address, 'address');
    if (clientId) await take(this.client, clientId.slice(0, 200), 'client');
  }
}

/** Both sets of limits of one app. */
export interface RateLimits {
  signIn: SignInLimits;
  token: TokenLimits;
}

/** Builds the limits of an app from the configuration (defaults for what it leaves out). */
export function createRateLimits(cfg: Partial<RateLimitConfig> = {}): RateLimits {
  const full = { ...DEFAULT_RATE_LIMITS, ...cfg };
  return { signIn: new SignInLimits(full), token: new TokenLimits(full) };
}

/** The client address a limit is counted for (the socket's peer; set Express `trust proxy` behind one). */
export function clientAddress(req: { ip?: string; socket?: { remoteAddress?: string } }): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}
