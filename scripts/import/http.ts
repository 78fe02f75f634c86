/**
 * The importer's HTTP layer: one request sent again on transient failures (retry.ts), with the
 * Authorization header taken fresh for every attempt, and an error that carries the status and the
 * server's OperationOutcome.
 */
import {
  backoffMs,
  retryableStatus,
  retryAfterMs,
  sleep,
  transientNetworkError,
  type RetryPolicy,
} from './retry.js';

/** Counters an import reports. */
export interface HttpStats {
  /** Requests sent again after a transient failure. */
  retries: number;
}

/** A request that ended with a non-2xx reply (after any retries). */
export class HttpError extends Error {
  /** The shape failures.ts reads: status and the parsed body (an OperationOutcome when the server sent one). */
  readonly response: { status: number; data: unknown };

  constructor(
    status: number,
    data: unknown,
    readonly attempts: number,
  ) {
    super(`HTTP ${status}`);
    this.response = { status, data };
  }
}

/** A connection failure that outlived its retries. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/** Parses a reply body as JSON when it is JSON; undefined otherwise. */
export async function bodyOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}

/**
 * Calls `send` (which builds and sends the request, so each attempt gets a current token) until it
 * answers with a non-retryable status or the retries are spent; returns the last Response and the attempts.
 */
export async function withRetries(
  policy: RetryPolicy,
  stats: HttpStats,
  send: () => Promise<Response>,
): Promise<{ res: Response; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      if (!transientNetworkError(err)) throw err;
      if (attempt > policy.retries) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.cause?.code ?? e.cause?.message ?? e.message;
        throw new NetworkError(`${why} (after ${attempt} attempts)`, attempt);
      }
      stats.retries++;
      await sleep(backoffMs(policy, attempt, null));
      continue;
    }
    if (!retryableStatus(res.status) || attempt > policy.retries) return { res, attempts: attempt };
    await res.arrayBuffer().catch(() => undefined); // free the connection
    stats.retries++;
    await sleep(backoffMs(policy, attempt, retryAfterMs(res.headers.get('retry-after'))));
  }
}
