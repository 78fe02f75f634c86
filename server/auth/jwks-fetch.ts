/**
 * Fetching a client's registered JWK Set URL (SMART App Launch 2.2 client-confidential-asymmetric.html
 * "Signature Verification"): GET with `Accept: application/json`, a timeout and a size limit, cached per
 * URL no longer than the response's Cache-Control max-age allows (at most one hour; no header, no cache).
 * The same fetch serves the trusted EHR issuers' keys (server/ccm/ehr-link/id-token.ts) with its own errors.
 */
import type { JSONWebKeySet } from 'jose';
import { invalidClient } from './errors.js';

const MAX_BYTES = 256 * 1024;
const TIMEOUT_MS = 5000;
const MAX_CACHE_SECONDS = 3600;

/** Seconds a response may be cached per its Cache-Control header (0 when it says nothing or no-store). */
export function cacheSeconds(cacheControl: string | null): number {
  if (!cacheControl || /no-store|no-cache/i.test(cacheControl)) return 0;
  const m = /max-age=(\d+)/i.exec(cacheControl);
  return m ? Math.min(Number(m[1]), MAX_CACHE_SECONDS) : 0;
}

/** How a failed fetch is reported: `unreachable` (network, timeout) or `invalid` (not a JWK Set). */
export type JwksFailure = (kind: 'unreachable' | 'invalid', message: string) => Error;

const clientFailure: JwksFailure = (_kind, message) => invalidClient(message);

/** One GET of a JWK Set URL (no redirects); the set and the seconds it may be cached. */
export async function fetchJwksOnce(
  url: string,
  fail: JwksFailure = clientFailure,
): Promise<{ set: JSONWebKeySet; seconds: number }> {
  let res: globalThis.Response;
  let text: string;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
    text = await res.text();
  } catch {
    throw fail('unreachable', 'The registered JWK Set URL could not be fetched');
  }
  if (res.status >= 500) throw fail('unreachable', 'The registered JWK Set URL did not answer a JWK Set');
  if (!res.ok || text.length > MAX_BYTES)
    throw fail('invalid', 'The registered JWK Set URL did not answer a JWK Set');
  let set: JSONWebKeySet;
  try {
    set = JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw fail('invalid', 'The registered JWK Set URL did not answer JSON');
  }
  if (!Array.isArray(set?.keys)) throw fail('invalid', 'The registered JWK Set has no keys');
  return { set, seconds: cacheSeconds(res.headers.get('cache-control')) };
}

/** A JWKS fetcher with its own cache (one per app). */
export function jwksFetcher(clock: () => Date = () => new Date()): (url: string) => Promise<JSONWebKeySet> {
  const cache = new Map<string, { set: JSONWebKeySet; until: number }>();
  return async (url: string) => {
    const hit = cache.get(url);
    if (hit && hit.until > clock().getTime()) return hit.set;
    const { set, seconds } = await fetchJwksOnce(url);
    if (seconds > 0) cache.set(url, { set, until: clock().getTime() + seconds * 1000 });
    return set;
  };
}
