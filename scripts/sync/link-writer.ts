/**
 * The ccm-fhir side of `npm run sync` (#18): EHR records written as linked mirrors through ccm-fhir's REST
 * API with the linking rules of server/ccm/ehr-link/identity.ts. Per type and chunk: the existing links are
 * found by identifier search (`identifier=a,b,...`, search.html#token); a mirror equal to what ccm-fhir
 * holds is left alone (no new version); the others are one transaction (http.html#transaction) of
 * conditional updates on the linking identifier (so a concurrent launch or a re-run never duplicates) plus
 * the Provenance of the batch, which commits with them and names the EHR versions as its sources.
 */
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import { randomUUID } from 'node:crypto';
import {
  ehrAgent,
  ehrIdentifier,
  ehrSource,
  identifierToken,
  linkUrl,
  mergeMirror,
  mirrorFingerprint,
  mirrorProvenance,
} from '../../server/ccm/ehr-link/identity.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { bodyOf, HttpError, withRetries, type HttpStats } from '../import/http.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../import/retry.js';
import type { Authorizer } from '../import/token-source.js';

/** What happened to the records of one type. */
export interface TypeCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** Records whose patient is linked nowhere in ccm-fhir (not in this export, never synced). */
  skipped: number;
}

/** One record to mirror: its EHR id and the mirror built for it (no id). */
export interface MirrorItem {
  ehrId: string;
  ehr: Resource;
  mirror: Resource;
}

const SEARCH_CHUNK = 50;

/** Writes linked mirrors into ccm-fhir at `base`. */
export class LinkWriter {
  constructor(
    private readonly base: string,
    private readonly issuer: EhrIssuer,
    private readonly auth: Authorizer,
    private readonly stats: HttpStats,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private async send(method: string, url: string, body?: unknown): Promise<unknown> {
    const { res } = await withRetries(this.policy, this.stats, async () => {
      const authorization = await this.auth.authorization();
      return fetch(url, {
        method,
        headers: {
          accept: 'application/fhir+json',
          ...(authorization ? { authorization } : {}),
          ...(body ? { 'content-type': 'application/fhir+json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(300_000),
      });
    });
    const parsed = await bodyOf(res);
    if (!res.ok) throw new HttpError(res.status, parsed, 1);
    return parsed;
  }

  /** The ccm-fhir resources linked to these EHR ids of `type`, by EHR id. */
  async existing(type: string, ehrIds: readonly string[]): Promise<Map<string, Resource>> {
    const system = ehrIdentifier(this.issuer.iss, type, '').system;
    const out = new Map<string, Resource>();
    for (let i = 0; i < ehrIds.length; i += SEARCH_CHUNK) {
      const chunk = ehrIds.slice(i, i + SEARCH_CHUNK);
      const tokens = chunk.map((id) =>
        encodeURIComponent(identifierToken(ehrIdentifier(this.issuer.iss, type, id))),
      );
      const bundle = (await this.send(
        'GET',
        `${this.base}/${type}?identifier=${tokens.join(',')}&_count=${SEARCH_CHUNK * 2}`,
      )) as Bundle;
      for (const e of bundle.entry ?? []) {
        const r = e.resource;
        const link = (
          r as { identifier?: Array<{ system?: string; value?: string }> } | undefined
        )?.identifier?.find((x) => x.system === system);
        if (r && link?.value) out.set(link.value, r);
      }
    }
    return out;
  }

  /**
   * Writes one chunk of mirrors of `type`; returns the ccm-fhir id of every item (by EHR id) and adds to
   * `counts`. Unchanged items are not sent; the changed ones and their Provenance are one transaction.
   */
  async write(type: string, items: readonly MirrorItem[], counts: TypeCounts): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const found = await this.existing(
      type,
      items.map((i) => i.ehrId),
    );
    const changed: Array<MirrorItem & { body: Resource; fullUrl: string }> = [];
    for (const item of items) {
      const old = found.get(item.ehrId);
      const body = old ? mergeMirror(old, item.mirror) : item.mirror;
      if (old && mirrorFingerprint(old) === mirrorFingerprint(body)) {
        ids.set(item.ehrId, old.id as string);
        counts.unchanged++;
      } else changed.push({ ...item, body, fullUrl: `urn:uuid:${randomUUID()}` });
    }
    if (changed.length === 0) return ids;
    const entries: BundleEntry[] = changed.map((c) => ({
      fullUrl: c.fullUrl,
      resource: c.body,
      request: { method: 'PUT', url: linkUrl(this.issuer.iss, type, c.ehrId) },
    }));
    entries.push({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: mirrorProvenance({
        targets: changed.map((c) => c.fullUrl),
        sources: changed.map((c) => ehrSource(this.issuer.iss, c.ehr)),
        agent: ehrAgent(this.issuer.iss, this.issuer.name),
        recorded: this.clock().toISOString(),
      }),
      request: { method: 'POST', url: 'Provenance' },
    });
    const reply = (await this.send('POST', this.base, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: entries,
    })) as Bundle;
    changed.forEach((c, i) => {
      const response = reply.entry?.[i]?.response;
      const id = new RegExp(`^(?:.*/)?${type}/([^/]+)`).exec(response?.location ?? '')?.[1];
      if (!id) throw new Error(`The transaction reply lacks the location of ${type} ${c.ehrId}`);
      ids.set(c.ehrId, id);
      if (response?.status?.startsWith('201')) counts.created++;
      else counts.updated++;
    });
    return ids;
  }
}
