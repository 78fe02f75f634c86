/**
 * Stable paging for sorts that cannot be paged by key (R4 http.html#paging, search.html#paging: "servers
 * SHOULD ensure that ... a client paging through a result set sees a consistent view"): the ordered keys
 * (`Type/id`) of everything a sorted search matched are kept as a snapshot, and each later page reads the
 * current versions of its slice. Resources created after the first page are not in the snapshot; updated
 * ones keep their place; so a client paging while others write sees no duplicate and no gap.
 *
 * Snapshots are bounded in-process state, never written to the store (reads must not grow the data
 * directory or the database): at most `perClient` snapshots per token holder and `max` in all, at most
 * `maxKeys` keys in all, each living `ttlMs`. Saving a new snapshot first drops the expired ones, then
 * evicts the holder's oldest snapshots, then the oldest of anyone, until the new one fits. A token whose
 * snapshot expired or was evicted answers 410 on `_page`: the client repeats the search.
 */
import { randomUUID } from 'node:crypto';
import { FhirError, issue, STATUS } from '../outcomes.js';

/** The bounds of the snapshot cache (config: SEARCH_SNAPSHOTS_PER_CLIENT, _MAX, _KEYS_MAX, _SECONDS). */
export interface SnapshotLimits {
  perClient: number;
  max: number;
  /** Keys held by all snapshots together (a single snapshot holds at most this many). */
  maxKeys: number;
  ttlMs: number;
}

/** The defaults documented in README's configuration table. */
export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = {
  perClient: 10,
  max: 100,
  maxKeys: 500_000,
  ttlMs: 10 * 60 * 1000,
};

/**
 * One saved result. The keys are held as one flat string (`Type/id` lines) and the end offset of each,
 * about (key length + 5) bytes per key whatever way the key strings were built.
 */
export class Snapshot {
  private readonly joined: string;
  private readonly ends: Uint32Array;

  constructor(
    readonly id: string,
    readonly owner: Owner,
    /** What search this is (path, selection and sort). */
    readonly search: string,
    keys: readonly string[],
    /** Expiry, epoch ms. */
    readonly exp: number,
  ) {
    this.joined = keys.join('\n');
    this.ends = new Uint32Array(keys.length);
    let end = 0;
    keys.forEach((k, i) => (this.ends[i] = end += k.length + (i > 0 ? 1 : 0)));
  }

  /** How many keys it holds. */
  get size(): number {
    return this.ends.length;
  }

  /** The keys at [from, to), in order. */
  slice(from: number, to: number): string[] {
    const end = Math.min(to, this.size);
    if (from >= end) return [];
    const start = from === 0 ? 0 : this.ends[from - 1] + 1;
    return this.joined.slice(start, this.ends[end - 1]).split('\n');
  }
}

/** Who a snapshot belongs to: the token binding, and the quota it counts against. */
export interface Owner {
  key: string;
  quota: string;
}

/** How much the cache holds. */
export interface SnapshotStats {
  snapshots: number;
  keys: number;
}

/** The 410 of an expired or evicted snapshot. */
function expired(): FhirError {
  return new FhirError(STATUS.gone, [
    issue('not-found', 'These search results have expired; repeat the search from its first page', '_page'),
  ]);
}

/** A bounded in-process cache of search snapshots (one per app, passed through createApp's services). */
export class SnapshotCache {
  /** In insertion order, i.e. oldest first. */
  private readonly byId = new Map<string, Snapshot>();
  private readonly byQuota = new Map<string, Set<string>>();
  private keyCount = 0;

  constructor(readonly limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS) {}

  /** How many snapshots and keys are held. */
  stats(): SnapshotStats {
    return { snapshots: this.byId.size, keys: this.keyCount };
  }

  /**
   * Saves the ordered keys of a search for `owner` (its `key` must match on reads; its `quota` counts
   * against perClient); returns the snapshot (its `id` goes in the token).
   */
  save(now: number, owner: Owner, search: string, keys: readonly string[]): Snapshot {
    if (keys.length > this.limits.maxKeys) throw new Error('snapshot larger than the cache');
    this.sweep(now);
    const own = this.byQuota.get(owner.quota);
    while (own && own.size >= this.limits.perClient) this.drop(own.values().next().value as string);
    while (this.byId.size >= this.limits.max || this.keyCount + keys.length > this.limits.maxKeys) {
      this.drop(this.byId.keys().next().value as string);
    }
    const snap = new Snapshot(randomUUID(), owner, search, keys, now + this.limits.ttlMs);
    this.byId.set(snap.id, snap);
    if (own) own.add(snap.id);
    else this.byQuota.set(owner.quota, new Set([snap.id]));
    this.keyCount += snap.size;
    return snap;
  }

  /** The snapshot `id`, which must belong to the holder `holder` (Owner.key) and `search`; else 410. */
  read(now: number, id: string, holder: string, search: string): Snapshot {
    const snap = this.byId.get(id);
    if (!snap || snap.exp < now || snap.owner.key !== holder || snap.search !== search) throw expired();
    return snap;
  }

  /** Drops the expired snapshots (the oldest come first, and all live equally long). */
  private sweep(now: number): void {
    for (const snap of this.byId.values()) {
      if (snap.exp >= now) break;
      this.drop(snap.id);
    }
  }

  private drop(id: string): void {
    const snap = this.byId.get(id);
    if (!snap) return;
    this.byId.delete(id);
    this.keyCount -= snap.size;
    const own = this.byQuota.get(snap.owner.quota);
    own?.delete(id);
    if (own?.size === 0) this.byQuota.delete(snap.owner.quota);
  }
}
