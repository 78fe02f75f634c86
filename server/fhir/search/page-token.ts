/**
 * The `_page` token of the paging links (R4 http.html#paging: the links are opaque to the client): a small
 * JSON state (a key-set cursor or a snapshot id) in base64url, followed by an HMAC-SHA256 over the state,
 * the identity of the search (path, applied selection, sort) and the token holder (client, subject and
 * patient context). A token is therefore only accepted for the same search by the same holder; a foreign,
 * altered or malformed one is a 400 on `_page` that says nothing about the search it came from.
 * The HMAC key is one random secret per store, created on first use (so that every server process on a
 * MongoDB store accepts the tokens of the others, and tokens survive a restart). On that first use the
 * snapshots that earlier versions stored in the `search_results` collection are deleted (nothing reads
 * or expires them any more).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StoredDocument } from '../../storage/document-collection.js';
import type { Storage } from '../../storage/repository.js';
import { isDuplicateKeyError } from '../../storage/document-collection.js';
import { badRequest, type FhirError } from '../outcomes.js';
import type { AccessContext } from '../access/context.js';

/** The collection holding the paging secret (one document). */
export const PAGING_COLLECTION = 'search_paging';
/** Where earlier versions stored search snapshots. */
export const LEGACY_SNAPSHOT_COLLECTION = 'search_results';
/** Longest token accepted (a cursor holds at most a 64-character id). */
const MAX_TOKEN = 400;
const TOKEN_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

interface SecretDoc extends StoredDocument {
  key: string;
}

/** Who holds a token: what tokens are bound to, and whose snapshot quota a search uses. */
export interface PageHolder {
  /** Client, subject, patient context and granted scopes: a token is valid only for the same. */
  key: string;
  /** Client, subject and patient context: the snapshot quota (SEARCH_SNAPSHOTS_PER_CLIENT) is per quota. */
  quota: string;
}

/** The holder of an access token (`open` without SMART). */
export function pageHolder(auth: AccessContext | undefined): PageHolder {
  if (!auth) return { key: 'open', quota: 'open' };
  const quota = JSON.stringify([auth.clientId, auth.subject, auth.patient ?? '']);
  return { key: JSON.stringify([quota, [...auth.scopes].sort()]), quota };
}

/** The 400 for any token that is not one of this search for this holder (reveals nothing more). */
export function foreignToken(): FhirError {
  return badRequest(
    '_page is not a paging token of this search for this client; repeat the search from its first page',
    '_page',
  );
}

/** Signs and checks `_page` tokens with the store's paging secret. */
export class PageTokens {
  private secret?: Promise<Buffer>;

  constructor(private readonly store: Storage) {}

  /** The store's secret, created once (a concurrent creator's secret wins the race). */
  private key(): Promise<Buffer> {
    this.secret ??= (async () => {
      await this.store.aux(LEGACY_SNAPSHOT_COLLECTION).deleteMany({});
      const coll = this.store.aux<SecretDoc>(PAGING_COLLECTION);
      const found = await coll.findOne({ _id: 'secret' });
      if (found) return Buffer.from(found.key, 'base64url');
      const key = randomBytes(32).toString('base64url');
      try {
        await coll.insertOne({ _id: 'secret', key });
        return Buffer.from(key, 'base64url');
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const winner = await coll.findOne({ _id: 'secret' });
        return Buffer.from((winner as SecretDoc).key, 'base64url');
      }
    })();
    this.secret.catch(() => (this.secret = undefined));
    return this.secret;
  }

  private async mac(state: string, search: string, holder: string): Promise<Buffer> {
    return createHmac('sha256', await this.key())
      .update(`ccm-page-v1\n${holder}\n${search}\n${state}`)
      .digest();
  }

  /** A token carrying `state` for the search `search` held by `holder`. */
  async sign(state: object, search: string, holder: string): Promise<string> {
    const encoded = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${encoded}.${(await this.mac(encoded, search, holder)).toString('base64url')}`;
  }

  /** The state of a token of the search `search` held by `holder`; 400 on `_page` for anything else. */
  async verify(token: string, search: string, holder: string): Promise<unknown> {
    if (token.length > MAX_TOKEN || !TOKEN_RE.test(token)) throw foreignToken();
    const [encoded, mac] = token.split('.');
    const expected = await this.mac(encoded, search, holder);
    if (!timingSafeEqual(Buffer.from(mac, 'base64url'), expected)) throw foreignToken();
    try {
      return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
    } catch {
      throw foreignToken();
    }
  }
}
