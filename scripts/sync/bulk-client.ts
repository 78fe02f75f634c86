/**
 * The EHR side of `npm run sync` (#18): SMART Backend Services at the EHR (backend-services.html; the
 * `backend` credential of EHR_ISSUERS_FILE, private_key_jwt) and a Bulk Data export (Bulk Data Access IG
 * 2.0 export.html): kick-off of `Group/{id}/$export` (when the issuer names a group) or `Patient/$export`
 * with `_type` and `_since`, polling the status URL (Retry-After honoured, X-Progress reported) until the
 * manifest, then the NDJSON files. The status URL and the files must lie on the EHR's own origin: the sync
 * follows no URL an EHR answer could point elsewhere (a credential would travel with it).
 */
import { createPrivateKey } from 'node:crypto';
import type { Resource } from 'fhir/r4.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { bodyOf, HttpError, withRetries, type HttpStats } from '../import/http.js';
import { DEFAULT_RETRY, sleep, type RetryPolicy } from '../import/retry.js';
import { TokenSource } from '../import/token-source.js';

/** The resource types the sync mirrors. */
export const SYNC_TYPES = ['Patient', 'Condition', 'MedicationRequest', 'Encounter'] as const;

/** A completed export's manifest (export.html#response---complete-status), the parts the sync reads. */
export interface Manifest {
  transactionTime: string;
  requiresAccessToken?: boolean;
  output: Array<{ type: string; url: string }>;
  error?: Array<{ type: string; url: string }>;
}

/** What the sync reports while it waits. */
export type BulkEvent =
  | { kind: 'kicked-off'; url: string }
  | { kind: 'progress'; text: string }
  | { kind: 'file'; type: string; resources: number };

/** A failure at the EHR (the sync stops; nothing more is written). */
export class EhrSyncError extends Error {}

/** The EHR's Backend Services token source from the issuer's `backend` credential. */
export function ehrTokens(
  issuer: EhrIssuer,
  stats: HttpStats,
  policy: RetryPolicy = DEFAULT_RETRY,
): TokenSource {
  const backend = issuer.backend;
  if (!backend)
    throw new EhrSyncError(
      `EHR_ISSUERS_FILE: the EHR ${issuer.name} has no backend credential (needed for sync)`,
    );
  const key = createPrivateKey({ key: backend.privateJwk as never, format: 'jwk' });
  return new TokenSource(
    issuer.iss,
    {
      kind: 'client',
      clientId: backend.clientId,
      scope: backend.scope,
      signingKey: { key, kid: backend.privateJwk.kid, alg: backend.privateJwk.alg },
      source: `EHR_ISSUERS_FILE ${issuer.name}.backend`,
    },
    policy,
    stats,
  );
}

/** Refuses a URL the EHR answered that is not on its own origin. */
function sameOrigin(issuer: EhrIssuer, url: string, what: string): string {
  const resolved = new URL(url, `${issuer.iss}/`);
  if (resolved.origin !== new URL(issuer.iss).origin)
    throw new EhrSyncError(
      `The EHR's ${what} ${resolved.href} is not on its origin ${new URL(issuer.iss).origin}`,
    );
  return resolved.href;
}

/** The kick-off URL: the group's or the patients' export, `_type` always, `_since` for an increment. */
export function kickoffUrl(issuer: EhrIssuer, since: string | undefined): string {
  const path = issuer.backend?.groupId ? `Group/${issuer.backend.groupId}/$export` : 'Patient/$export';
  const q = new URLSearchParams({ _type: SYNC_TYPES.join(',') });
  if (since) q.set('_since', since);
  return `${issuer.iss}/${path}?${q.toString()}`;
}

/** A bulk export at one EHR. */
export class BulkClient {
  constructor(
    private readonly issuer: EhrIssuer,
    private readonly tokens: TokenSource,
    private readonly stats: HttpStats,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly onEvent: (e: BulkEvent) => void = () => undefined,
  ) {}

  private async get(url: string, headers: Record<string, string>): Promise<Response> {
    const { res } = await withRetries(this.policy, this.stats, async () =>
      fetch(url, {
        headers: { ...headers, authorization: await this.tokens.authorization() },
        redirect: 'error',
        signal: AbortSignal.timeout(120_000),
      }),
    );
    return res;
  }

  /** Kicks off the export; the status URL. */
  async kickoff(since: string | undefined): Promise<string> {
    const url = kickoffUrl(this.issuer, since);
    const res = await this.get(url, { accept: 'application/fhir+json', prefer: 'respond-async' });
    const location = res.headers.get('content-location');
    if (res.status !== 202 || !location) throw new HttpError(res.status, await bodyOf(res), 1);
    await res.arrayBuffer().catch(() => undefined);
    this.onEvent({ kind: 'kicked-off', url });
    return sameOrigin(this.issuer, location, 'status URL');
  }

  /** Polls the status URL until the manifest (export.html#bulk-data-status-request). */
  async waitForManifest(statusUrl: string, timeoutMs = 30 * 60_000): Promise<Manifest> {
    const until = Date.now() + timeoutMs;
    let wait = 200;
    for (;;) {
      const res = await this.get(statusUrl, { accept: 'application/json' });
      if (res.status === 200) return (await res.json()) as Manifest;
      if (res.status !== 202) throw new HttpError(res.status, await bodyOf(res), 1);
      await res.arrayBuffer().catch(() => undefined);
      const progress = res.headers.get('x-progress');
      if (progress) this.onEvent({ kind: 'progress', text: progress.slice(0, 100) });
      if (Date.now() > until)
        throw new EhrSyncError(`The export did not complete within ${timeoutMs / 1000} s`);
      const after = Number(res.headers.get('retry-after'));
      const ms = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : wait;
      await sleep(ms);
      wait = Math.min(wait * 2, 5_000);
    }
  }

  /** Downloads one output file's resources (NDJSON: one resource per line). */
  async download(file: { type: string; url: string }, withToken: boolean): Promise<Resource[]> {
    const url = sameOrigin(this.issuer, file.url, 'file URL');
    const headers: Record<string, string> = { accept: 'application/fhir+ndjson' };
    const { res } = await withRetries(this.policy, this.stats, async () =>
      fetch(url, {
        headers: withToken ? { ...headers, authorization: await this.tokens.authorization() } : headers,
        redirect: 'error',
        signal: AbortSignal.timeout(300_000),
      }),
    );
    if (!res.ok) throw new HttpError(res.status, await bodyOf(res), 1);
    const out: Resource[] = [];
    for (const line of (await res.text()).split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line) as Resource;
      if (r.resourceType !== file.type || typeof r.id !== 'string')
        throw new EhrSyncError(`A line of the ${file.type} file is not a ${file.type} with an id`);
      out.push(r);
    }
    this.onEvent({ kind: 'file', type: file.type, resources: out.length });
    return out;
  }
}
