/**
 * Index reconciliation: at the first use of a collection the engine compares the indexes the collection has
 * with the ones this version declares, creates the missing ones and drops the obsolete ones it created
 * itself (recognised by name: search-index keys `sp.…`, compartments `comp…`, `lu…` and history's `t_…`).
 * Indexes named otherwise (`_id_`, an operator's own) are never dropped. The decision is a pure function.
 */

/** An index as declared or as `listIndexes` reports it (key values may be `1`, `-1` or a kind such as 'text'). */
export interface IndexSpec {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
}

/** What to do to turn the existing indexes into the declared ones: drop first, then create. */
export interface IndexPlan {
  create: IndexSpec[];
  drop: string[];
}

/** Name prefixes of the indexes this engine creates (and may therefore drop). */
export const OWNED_INDEX_PREFIXES: readonly string[] = ['sp.', 'comp', 'lu', 't_'];

/** The name the server gives an index by default (`field_1_other_-1`), used for the declared search keys. */
export function defaultIndexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, dir]) => `${field}_${String(dir)}`)
    .join('_');
}

/** Whether this engine created the index (by its name); `_id_` never qualifies. */
export function isOwnedIndex(name: string): boolean {
  return name !== '_id_' && OWNED_INDEX_PREFIXES.some((p) => name.startsWith(p));
}

/** Same keys in the same order with the same directions or kinds. */
function sameKey(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ea = Object.entries(a);
  const eb = Object.entries(b);
  return ea.length === eb.length && ea.every(([k, v], i) => eb[i][0] === k && String(eb[i][1]) === String(v));
}

/** Same keys and the same options this engine sets. */
function sameIndex(a: IndexSpec, b: IndexSpec): boolean {
  return (
    sameKey(a.key, b.key) &&
    Boolean(a.unique) === Boolean(b.unique) &&
    Boolean(a.sparse) === Boolean(b.sparse)
  );
}

/**
 * The plan that reconciles `existing` with `desired`: a declared index is created unless one with its name
 * and definition exists, or one with its definition under a name this engine does not own (an operator's:
 * the server refuses a second index on the same keys); an owned index is dropped when no declared index has
 * its name and definition, so a changed definition under the same name, or an old name for the same keys, is
 * dropped and created again. Declared names all carry an owned prefix.
 */
export function reconcileIndexes(existing: IndexSpec[], desired: IndexSpec[]): IndexPlan {
  const create: IndexSpec[] = [];
  const keep = new Set<string>();
  for (const want of desired) {
    const same = existing.find((e) => e.name === want.name && sameIndex(e, want));
    const equivalent =
      same ?? existing.find((e) => !isOwnedIndex(e.name) && e.name !== want.name && sameIndex(e, want));
    if (equivalent) keep.add(equivalent.name);
    else create.push(want);
  }
  const drop = existing.filter((e) => isOwnedIndex(e.name) && !keep.has(e.name)).map((e) => e.name);
  return { create, drop };
}

/** The indexes of a type's collection: `lu`, then the declared search keys under their default names. */
export function typeIndexes(keys: Array<Record<string, 1 | -1>>): IndexSpec[] {
  return [{ name: 'lu', key: { lu: 1 } }, ...keys.map((key) => ({ name: defaultIndexName(key), key }))];
}
