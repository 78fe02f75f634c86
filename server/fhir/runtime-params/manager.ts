/**
 * Run-time search parameters: the search registry kept in step with what the store records
 * (state.ts). A SearchParameter registered over the API (or from a practice's package) is compiled into
 * the registry at once, pending on each base: from then on every write extracts it, and `$reindex`
 * (fhir/reindex/) indexes the resources stored before. A parameter is active on a type once the store
 * records that the type's resources are all indexed with its current signature; until then searches treat
 * it as not supported (ignored with a warning, or 400 under `Prefer: handling=strict`).
 *
 * The registry changes only after the transaction that changes the records commits (hooked-store.ts calls
 * `refresh`), and refreshes run one after another, each reading the committed records whole.
 */
import type { SearchParameter } from 'fhir/r4.js';
import type { Logger } from 'pino';
import { isDuplicateKeyError, type StorageSession } from '../../storage/document-collection.js';
import type { ResourceRepository, Storage } from '../../storage/repository.js';
import { conflict, issue, unprocessable } from '../outcomes.js';
import type { MutableSearchRegistry } from '../search/registry.js';
import { indexSignature } from '../search/signature.js';
import { checkSearchParameter, type Verdict } from './check.js';
import { initIndexState } from './init-state.js';
import {
  bumpGeneration,
  claimId,
  collections,
  currentGeneration,
  GENERATION_ID,
  indexed,
  update,
  type IndexState,
  type Registration,
} from './state.js';

/** What the manager works with. */
export interface RuntimeParamsDeps {
  /** The engine (not the hooked one). */
  store: Storage;
  /** The engine's repository (not the hooked one). */
  resources: ResourceRepository;
  registry: MutableSearchRegistry;
  clock: () => Date;
  logger?: Logger;
}

/** A pending parameter as a reindex job covers it: activated at the end if it is still the same. */
export interface Cover {
  code: string;
  sig: string;
  /** The registration (SearchParameter id) and its revision, for run-time parameters. */
  runtime?: string;
  rev?: number;
}

/** Keeps the registry in step with the run-time registrations and the index state of the store. */
export class RuntimeParams {
  private started: Promise<void> | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Registration id → revision loaded into the registry. */
  private readonly loaded = new Map<string, number>();
  /** Registration id → why this version cannot serve it (logged once per revision). */
  private readonly unusable = new Map<string, string>();
  /** Type → status URL of the reindex job working on it (named in the pending reason). */
  private readonly jobs = new Map<string, string>();
  private generationSeen = -1;

  constructor(private readonly deps: RuntimeParamsDeps) {}

  /** Resolves once the records are read (the first call reads them; a failure is retried by the next call). */
  ready(): Promise<void> {
    this.started ??= this.start().catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  private async start(): Promise<void> {
    await initIndexState(this.deps);
    await this.sync();
    const pending = Object.fromEntries(
      this.pendingTypes().map((t) => [t, this.pendingFor(t).map((c) => c.code)]),
    );
    if (Object.keys(pending).length > 0) {
      this.deps.logger?.warn(
        { pending },
        'search parameters pending: resources stored before they were registered (or changed) are not indexed ' +
          'for them; run POST [base]/$reindex (Prefer: respond-async) with a system token',
      );
    }
  }

  /** Reads the records again and updates the registry (after this process's committed changes). */
  refresh(): Promise<void> {
    const next = this.chain.then(() => this.sync());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Refreshes when another server process changed the records (their change counter moved). */
  async poll(): Promise<void> {
    await this.ready();
    if ((await currentGeneration(this.deps.store)) !== this.generationSeen) await this.refresh();
  }

  private async sync(): Promise<void> {
    const { registrations, state } = collections(this.deps.store);
    const generation = await currentGeneration(this.deps.store);
    const regs = (await registrations.find({}).toArray()).filter((d) => d._id !== GENERATION_ID);
    this.syncRegistrations(regs);
    const states = new Map((await state.find({}).toArray()).map((d) => [d._id, d.params ?? {}]));
    for (const type of this.deps.registry.resourceTypes) this.markType(type, states.get(type) ?? {});
    this.generationSeen = generation;
  }

  private syncRegistrations(regs: Registration[]): void {
    const { registry, logger } = this.deps;
    const seen = new Set<string>();
    for (const reg of regs) {
      seen.add(reg._id);
      if (this.loaded.get(reg._id) === reg.rev) continue;
      this.loaded.set(reg._id, reg.rev);
      const why = this.unservable(reg);
      if (why) {
        this.unusable.set(reg._id, why);
        registry.setRuntime(reg._id, undefined);
        logger?.warn(
          { searchParameter: reg._id, url: reg.url, problem: why },
          'registered search parameter not served',
        );
        continue;
      }
      this.unusable.delete(reg._id);
      registry.setRuntime(reg._id, reg.resource);
    }
    for (const id of [...this.loaded.keys()]) {
      if (seen.has(id)) continue;
      this.loaded.delete(id);
      this.unusable.delete(id);
      registry.setRuntime(id, undefined);
    }
  }

  /** Why a stored registration cannot be served by this version (a built-in took its code; it no longer compiles). */
  private unservable(reg: Registration): string | undefined {
    try {
      return checkSearchParameter(this.deps.registry, reg.resource).kind === 'register'
        ? undefined
        : 'it is no longer a run-time parameter';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Marks each indexed parameter of `type` pending unless `recorded` holds its current signature. */
  private markType(type: string, recorded: Record<string, string>): void {
    const { registry } = this.deps;
    for (const def of registry.params(type)) {
      if (!indexed(def)) continue;
      const pending = recorded[def.code] !== indexSignature(def);
      registry.setPending(type, def.code, pending ? this.reason(type, def.code) : undefined);
    }
  }

  /** The reason a search using pending parameter `code` of `type` gets (search/README.md). */
  private reason(type: string, code: string): string {
    const job = this.jobs.get(type);
    const when = job
      ? `the $reindex job ${job} is indexing them`
      : `it answers once a $reindex of ${type} completes`;
    return `${code} is pending: ${type} resources stored before it was registered (or changed) are not all indexed for it yet; ${when}`;
  }

  /** Names the job working on `types` (its status URL) in their pending reasons, or stops naming it. */
  noteJob(types: readonly string[], statusUrl: string | undefined): void {
    for (const type of types) {
      if (statusUrl === undefined) this.jobs.delete(type);
      else this.jobs.set(type, statusUrl);
      for (const def of this.deps.registry.params(type)) {
        if (def.pending) this.deps.registry.setPending(type, def.code, this.reason(type, def.code));
      }
    }
  }

  /** The pending parameters of `type`, as a job covers them. */
  pendingFor(type: string): Cover[] {
    return this.deps.registry
      .params(type)
      .filter((d) => d.pending)
      .map((d) => ({
        code: d.code,
        sig: indexSignature(d),
        ...(d.runtime ? { runtime: d.runtime, rev: this.loaded.get(d.runtime) } : {}),
      }));
  }

  /** The types with pending parameters, sorted. */
  pendingTypes(): string[] {
    return this.deps.registry.resourceTypes.filter((t) =>
      this.deps.registry.params(t).some((d) => d.pending),
    );
  }

  /** True when every base of `sp` already has a parameter with its code, type and expression (or url). */
  served(sp: SearchParameter): boolean {
    const { registry } = this.deps;
    const defs = registry.compile(sp);
    if (defs.size !== sp.base.length) return false;
    return [...defs].every(([base, def]) => {
      const have = registry.get(base, def.code);
      return (
        have !== undefined &&
        have.type === def.type &&
        (have.url === sp.url || have.expression === def.expression)
      );
    });
  }

  /**
   * Checks a SearchParameter about to be written as `id` (checkSearchParameter, plus: its code on a base
   * is not another registration's); throws 422 when it cannot be served.
   */
  check(sp: SearchParameter, id: string): Verdict {
    const verdict = checkSearchParameter(this.deps.registry, sp);
    if (verdict.kind !== 'register') return verdict;
    for (const base of verdict.defs.keys()) {
      const taken = this.deps.registry.get(base, sp.code ?? '');
      if (taken && taken.runtime !== id) throw codeTaken(sp.code ?? '', base, taken.url);
    }
    return verdict;
  }

  /**
   * Records, inside `tx`, what writing (or, with `verdict` none, deleting) SearchParameter `id` changes:
   * its registration, its code claims, and the index state of the codes whose signature changes (they
   * become pending). Returns whether anything changed (the registry is refreshed after the commit).
   */
  async record(
    tx: StorageSession,
    id: string,
    sp: SearchParameter | undefined,
    verdict: Verdict,
  ): Promise<boolean> {
    const { registrations } = collections(this.deps.store);
    const old = await registrations.findOne({ _id: id }, { session: tx });
    const next = verdict.kind === 'register' && sp ? { sp, defs: verdict.defs } : undefined;
    if (!old && !next) return false;
    const sigs: Record<string, string> = {};
    for (const [type, def] of next?.defs ?? []) sigs[type] = indexSignature(def);
    if (next) await this.claim(tx, id, next.sp, [...next.defs.keys()]);
    if (old) await this.release(tx, id, old, next?.sp);
    await this.invalidate(tx, old, next ? { code: next.sp.code ?? '', sigs } : undefined);
    if (next) {
      const reg: Registration = {
        _id: id,
        url: next.sp.url,
        code: next.sp.code ?? '',
        bases: [...next.defs.keys()],
        sigs,
        rev: (old?.rev ?? 0) + 1,
        resource: { ...next.sp, id },
        registeredAt: this.deps.clock().toISOString(),
      };
      await registrations.replaceOne({ _id: id }, reg, { upsert: true, session: tx });
    } else await registrations.deleteOne({ _id: id }, { session: tx });
    await bumpGeneration(this.deps.store, tx);
    return true;
  }

  /** Claims `sp.code` on each base for `id`; 422 when another registration holds the code or the url. */
  private async claim(tx: StorageSession, id: string, sp: SearchParameter, bases: string[]): Promise<void> {
    const { registrations, claims } = collections(this.deps.store);
    const sameUrl = await registrations.find({ url: sp.url }, { session: tx }).toArray();
    if (sameUrl.some((r) => r._id !== id)) {
      throw unprocessable([
        issue(
          'business-rule',
          `${sp.url} is already registered by another SearchParameter`,
          'SearchParameter.url',
        ),
      ]);
    }
    for (const base of bases) {
      const key = claimId(base, sp.code ?? '');
      const held = await claims.findOne({ _id: key }, { session: tx });
      if (held && held.owner !== id) throw codeTaken(sp.code ?? '', base, `SearchParameter/${held.owner}`);
      if (held) continue;
      try {
        await claims.insertOne({ _id: key, owner: id }, { session: tx });
      } catch (err) {
        if (isDuplicateKeyError(err))
          throw conflict(`Another SearchParameter is registering ${sp.code} on ${base}; try again`);
        throw err;
      }
    }
  }

  /** Gives up the claims of `old` that the new version (if any) no longer makes. */
  private async release(
    tx: StorageSession,
    id: string,
    old: Registration,
    next: SearchParameter | undefined,
  ) {
    const { claims } = collections(this.deps.store);
    for (const base of old.bases) {
      if (next && next.code === old.code && (next.base as string[]).includes(base)) continue;
      await claims.deleteOne({ _id: claimId(base, old.code), owner: id }, { session: tx });
    }
  }

  /** Forgets the recorded signature of every (type, code) the change touches, unless it stays the same. */
  private async invalidate(
    tx: StorageSession,
    old: Registration | null,
    next: { code: string; sigs: Record<string, string> } | undefined,
  ): Promise<void> {
    const { state } = collections(this.deps.store);
    const touched = new Map<string, Set<string>>();
    const add = (type: string, code: string) => touched.set(type, (touched.get(type) ?? new Set()).add(code));
    for (const type of old?.bases ?? []) {
      if (!next || next.code !== old?.code || next.sigs[type] !== old.sigs[type]) add(type, old?.code ?? '');
    }
    for (const type of Object.keys(next?.sigs ?? {})) {
      if (!(old && old.code === next?.code && old.sigs[type] === next.sigs[type]))
        add(type, next?.code ?? '');
    }
    for (const [type, codes] of touched) {
      const unset = Object.fromEntries([...codes].map((c) => [`params.${c}`, '']));
      await state.updateOne({ _id: type }, update<IndexState>({ $unset: unset }), { session: tx });
    }
  }

  /**
   * Records, inside `tx`, that the resources of `type` are all indexed for the covered parameters that are
   * still what the job covered (same registration revision, same signature); returns their codes.
   */
  async activate(tx: StorageSession, type: string, covers: readonly Cover[]): Promise<string[]> {
    const { registrations, state } = collections(this.deps.store);
    const set: Record<string, string> = {};
    for (const c of covers) {
      if (c.runtime !== undefined) {
        const reg = await registrations.findOne({ _id: c.runtime }, { session: tx });
        if (!reg || reg.rev !== c.rev || reg.sigs[type] !== c.sig) continue;
      } else {
        const def = this.deps.registry.builtIn(type, c.code);
        if (!def || indexSignature(def) !== c.sig) continue;
      }
      set[`params.${c.code}`] = c.sig;
    }
    const codes = Object.keys(set).map((k) => k.slice('params.'.length));
    if (codes.length === 0) return [];
    await state.updateOne({ _id: type }, update<IndexState>({ $set: set }), { upsert: true, session: tx });
    await bumpGeneration(this.deps.store, tx);
    return codes;
  }
}

/** 422: the code is another parameter's on `base`. */
function codeTaken(code: string, base: string, owner: string): Error {
  return unprocessable([
    issue(
      'business-rule',
      `code ${code} is already the search parameter ${owner} of ${base}: choose another code`,
      'SearchParameter.code',
    ),
  ]);
}
