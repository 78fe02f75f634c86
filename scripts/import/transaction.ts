/** Sends one transaction Bundle (R4 http.html#transaction): retried when transient, token renewed once on 401. */
import type { Bundle } from 'fhir/r4.js';
import { bodyOf, HttpError, withRetries, type HttpStats } from './http.js';
import type { RetryPolicy } from './retry.js';
import type { Authorizer } from './token-source.js';

/** Counters of the requests an import sent. */
export interface SendStats extends HttpStats {
  /** Tokens renewed because the server answered 401. */
  renewedAfter401: number;
}

/** What sending needs. */
export interface Sender {
  base: string;
  auth: Authorizer;
  policy: RetryPolicy;
  stats: SendStats;
  /** Milliseconds one attempt may take. */
  timeoutMs: number;
}

/** POSTs `bundle` to the base; resolves with the transaction-response, throws HttpError / NetworkError. */
export async function postTransaction(s: Sender, bundle: Bundle): Promise<Bundle> {
  const body = JSON.stringify(bundle);
  for (let renewed = false; ; renewed = true) {
    let used: string | undefined;
    const { res, attempts } = await withRetries(s.policy, s.stats, async () => {
      used = await s.auth.authorization();
      return fetch(s.base, {
        method: 'POST',
        headers: {
          'content-type': 'application/fhir+json',
          accept: 'application/fhir+json',
          prefer: 'return=minimal',
          ...(used ? { authorization: used } : {}),
        },
        body,
        signal: AbortSignal.timeout(s.timeoutMs),
      });
    });
    if (res.status === 401 && !renewed && s.auth.invalidate(used)) {
      await res.arrayBuffer().catch(() => undefined);
      s.stats.renewedAfter401++;
      continue;
    }
    const data = await bodyOf(res);
    if (!res.ok) throw new HttpError(res.status, data, attempts);
    return data as Bundle;
  }
}
