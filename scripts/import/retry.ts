/**
 * When and how long the importer waits before sending a request again. Transient failures are retried
 * with capped exponential backoff and full jitter: connection errors and timeouts, 408, 429, and 5xx other
 * than 501 (R4 http.html: a transaction is atomic, so a failed one left nothing behind; the importer's
 * entries are PUTs or conditional creates, so one that was applied although its reply was lost is not
 * duplicated when sent again). Every other 4xx is final; 401 is handled by the token source (renew once).
 */

/** The retry settings of an import. */
export interface RetryPolicy {
  /** Attempts after the first one (0 = never retry). */
  retries: number;
  /** First backoff ceiling, milliseconds; doubled each attempt. */
  baseMs: number;
  /** Largest wait, milliseconds (also caps a server's Retry-After). */
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 500, capMs: 30_000 };

/** Whether an HTTP status is worth another attempt (RFC 9110 §15: 408, 429 and server errors but 501). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Milliseconds a `Retry-After` header asks for (delay-seconds or an HTTP-date, RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The wait before attempt `attempt` (1 = the first retry): the server's Retry-After when it gave one,
 * otherwise a uniformly random time up to `baseMs * 2^(attempt-1)`; never above `capMs`.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: number | null,
  random: () => number = Math.random,
): number {
  if (retryAfter !== null) return Math.min(retryAfter, policy.capMs);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** Whether a thrown fetch error is a connection-level failure (refused, reset, timed out, DNS). */
export function transientNetworkError(err: unknown): boolean {
  const e = err as { name?: string; cause?: { code?: string } } | null;
  if (!e) return false;
  if (e.name === 'TimeoutError') return true; // the importer's own per-request timeout
  // undici's fetch throws TypeError('fetch failed') with the socket error as its cause.
  return e.name === 'TypeError' && e.cause !== undefined;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
