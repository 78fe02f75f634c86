/**
 * The sign-in limits (server/auth/rate-limits.ts) on their own: parallel attempts reserve their points before
 * hashing, so a burst cannot pass the limit together; a full hash queue is refused (429, Retry-After 1)
 * without counting as a failure; the settings are read and validated from the environment.
 */
import { describe, expect, test } from '@jest/globals';
import { HashQueueFull } from '../../server/auth/hash-gate.js';
import { RateLimited, SignInLimits } from '../../server/auth/rate-limits.js';
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig } from '../../server/config.js';

const limits = (over: Partial<typeof DEFAULT_RATE_LIMITS>) =>
  new SignInLimits({ ...DEFAULT_RATE_LIMITS, ...over });

describe('sign-in limits', () => {
  test('20 parallel wrong attempts on one account run at most N password checks; the rest are 429', async () => {
    const l = limits({ signInAccountFailures: 3 });
    let checks = 0;
    const verify = async () => {
      checks += 1;
      await new Promise((r) => setTimeout(r, 5));
      return null;
    };
    const out = await Promise.allSettled(
      Array.from({ length: 20 }, () => l.attempt('Nurse', '10.0.0.1', verify)),
    );
    expect(checks).toBe(3);
    const refused = out
      .filter((o) => o.status === 'rejected')
      .map((o) => (o as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(17);
    expect(refused.every((e) => e instanceof RateLimited && e.reason === 'account')).toBe(true);
  });

  test('a full hash queue is refused as busy (Retry-After 1) and is not counted as a failure', async () => {
    const l = limits({ signInAccountFailures: 1, signInAddressFailures: 1 });
    const busy = () => Promise.reject(new HashQueueFull());
    for (let i = 0; i < 3; i++) {
      const err = await l.attempt('nurse', '10.0.0.2', busy).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimited);
      expect(err).toMatchObject({ reason: 'busy', retryAfterSeconds: 1 });
    }
    expect(await l.attempt('nurse', '10.0.0.2', async () => 'user')).toBe('user');
  });
});

describe('rate limit settings', () => {
  test('defaults, environment values, and a clear error naming a bad variable', () => {
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    const cfg = loadConfig({ SIGNIN_ACCOUNT_FAILURES: '10', TOKEN_REQUESTS_PER_CLIENT: '50' });
    expect(cfg.rateLimits).toMatchObject({ signInAccountFailures: 10, tokenPerClient: 50 });
    expect(() => loadConfig({ SIGNIN_LOCKOUT_SECONDS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ SIGNIN_ADDRESS_FAILURES: 'many' })).toThrow(/SIGNIN_ADDRESS_FAILURES=many/);
  });
});
