/**
 * The index state at start (state.ts `search_index_state`): what the store's resources are indexed for,
 * brought up to this version of the server.
 *
 * - A type that holds no resources is indexed for every built-in parameter as this version defines it
 *   (nothing to reindex); its run-time parameters keep their recorded state.
 * - A type that holds resources keeps what was recorded, less the codes no parameter has any more: a
 *   built-in parameter that is new, or whose definition (signature) changed in this version, is pending
 *   until `$reindex` covers the type.
 * - A store written before the index state was recorded (resources, but no record at all) cannot say what
 *   it was indexed for. Its resources are taken as indexed for the built-in parameters of this version
 *   except the ones added after the first SQLite store could have been written (LATER_PARAMETERS): those
 *   are pending on the types holding resources until `$reindex` runs once.
 */
import type { ResourceRepository, Storage } from '../../storage/repository.js';
import type { MutableSearchRegistry } from '../search/registry.js';
import { builtInSignatures, bumpGeneration, collections, GENERATION_ID, type IndexState } from './state.js';

/**
 * Built-in parameters that a store written by an earlier version may not be indexed for: the four US Core
 * 6.1.0 parameters R4 lacks, built in since commit 8a1d366 (issue #17); stores written before that never
 * extracted them.
 */
export const LATER_PARAMETERS: readonly string[] = [
  'http://hl7.org/fhir/us/core/SearchParameter/us-core-condition-asserted-date',
  'http://hl7.org/fhir/us/core/SearchParameter/us-core-encounter-discharge-disposition',
  'http://hl7.org/fhir/us/core/SearchParameter/us-core-careteam-role',
  'http://hl7.org/fhir/us/core/SearchParameter/us-core-goal-description',
];

/** `record` restricted to `codes`. */
function pick(record: Record<string, string>, codes: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([code]) => codes.has(code)));
}

/** Same codes with the same signatures. */
function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The codes of run-time registrations, per base type. */
async function runtimeCodes(store: Storage): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const reg of await collections(store).registrations.find({}).toArray()) {
    if (reg._id === GENERATION_ID) continue;
    for (const base of reg.bases) out.set(base, (out.get(base) ?? new Set()).add(reg.code));
  }
  return out;
}

/** Brings the recorded index state up to this version (see the module comment). */
export async function initIndexState(deps: {
  store: Storage;
  resources: ResourceRepository;
  registry: MutableSearchRegistry;
}): Promise<void> {
  const { store, registry } = deps;
  const { state } = collections(store);
  const stored = new Map((await state.find({}).toArray()).map((d) => [d._id, d.params ?? {}]));
  const withData = new Set(await deps.resources.types());
  const legacy = stored.size === 0 && withData.size > 0;
  const runtime = await runtimeCodes(store);
  const changes: IndexState[] = [];
  for (const type of registry.resourceTypes) {
    const current = builtInSignatures(registry, type);
    const keep = runtime.get(type) ?? new Set<string>();
    const old = stored.get(type);
    let params: Record<string, string>;
    if (!withData.has(type)) params = { ...pick(old ?? {}, keep), ...current };
    else if (old) params = pick(old, new Set([...Object.keys(current), ...keep]));
    else if (legacy) {
      const later = new Set(
        registry
          .params(type)
          .filter((d) => !d.runtime && LATER_PARAMETERS.includes(d.url))
          .map((d) => d.code),
      );
      params = Object.fromEntries(Object.entries(current).filter(([code]) => !later.has(code)));
    } else params = {};
    if (!old || !same(old, params)) changes.push({ _id: type, params });
  }
  if (changes.length === 0) return;
  await store.transaction(async (session) => {
    for (const c of changes) await state.replaceOne({ _id: c._id }, c, { upsert: true, session });
    await bumpGeneration(store, session);
  });
}
