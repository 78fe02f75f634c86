/**
 * The store cannot take writes for now (its disk is full): the request may be retried later, and nothing
 * of the refused write was kept. Engine-neutral, so that the HTTP layer answers 503 + Retry-After for it.
 */

/** Seconds a client is asked to wait before retrying a refused write. */
export const STORE_RETRY_AFTER_SECONDS = 30;

/** A write refused because the store cannot make it durable now; `clientMessage` is safe to show. */
export class StoreUnavailableError extends Error {
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    readonly clientMessage: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? STORE_RETRY_AFTER_SECONDS;
  }
}
