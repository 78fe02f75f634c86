/**
 * Resolves the clauses that depend on other resources into plain clauses, so that the final query is one
 * storage condition (`Where`): a chain (search.html#chaining) runs its inner search on each target type first and
 * becomes `sp.<ref>.r $in [Type/id...]`; `_has` (search.html#has) runs its inner search and becomes
 * `_id $in` the ids its references point to; `_list` (search.html#list) reads the Lists and becomes
 * `_id $in` their entries. Inner searches nest (a chain inside `_has` inside a chain). An inner search that
 * matches more than INNER_CAP resources is refused with 400 `too-costly` instead of building a huge filter.
 */
import type { List } from 'fhir/r4.js';
import { FhirError, issue, STATUS } from '../outcomes.js';
import type { Fields, Where } from '../../storage/repository.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import { referenceTarget } from './entries.js';
import type { ReferenceEntry } from './index-entry.js';
import type { ChainClause, Clause, HasClause, ListClause, SearchIR } from './ir.js';
import { findByIds } from './store-query.js';
import { whereOf } from './where.js';

/** Most resources an inner search (chain, `_has`) may match. */
export const INNER_CAP = 2000;

/** What resolution reads. */
export interface ResolveContext {
  resources: ResourceStore;
  baseUrl: string;
}

/** The 400 `too-costly` of an inner search that matched too much. */
function tooCostly(name: string): FhirError {
  return new FhirError(STATUS.badRequest, [
    issue(
      'too-costly',
      `The inner search of '${name}' matches more than ${INNER_CAP} resources; add criteria to narrow it`,
    ),
  ]);
}

/** Runs an inner search and returns its matching documents (projected), refusing more than INNER_CAP. */
async function innerMatches(
  ctx: ResolveContext,
  ir: SearchIR,
  name: string,
  fields: Fields,
): Promise<ResourceDoc[]> {
  const where = await compileResolved(ctx, ir);
  const docs = await ctx.resources.find(ir.resourceType, where, { fields, limit: INNER_CAP + 1 });
  if (docs.length > INNER_CAP) throw tooCostly(name);
  return docs;
}

async function resolveChain(ctx: ResolveContext, clause: ChainClause): Promise<Clause> {
  const refs: string[] = [];
  for (const inner of clause.inner) {
    const docs = await innerMatches(ctx, inner, clause.name, 'id');
    for (const d of docs) refs.push(`${inner.resourceType}/${d._id}`);
    if (refs.length > INNER_CAP) throw tooCostly(clause.name);
  }
  return { kind: 'refs', name: clause.name, code: clause.code, refs };
}

async function resolveHas(ctx: ResolveContext, type: string, clause: HasClause): Promise<Clause> {
  const docs = await innerMatches(ctx, clause.inner, clause.name, 'index');
  const ids = new Set<string>();
  const prefix = `${type}/`;
  for (const d of docs) {
    for (const e of (d.sp?.[clause.refCode] ?? []) as ReferenceEntry[]) {
      if (e.r?.startsWith(prefix)) ids.add(e.r.slice(prefix.length));
    }
  }
  return { kind: 'id', name: clause.name, ids: [...ids] };
}

async function resolveList(ctx: ResolveContext, type: string, clause: ListClause): Promise<Clause> {
  const ids = new Set<string>();
  for (const doc of await findByIds(ctx.resources, 'List', clause.listIds)) {
    for (const entry of (doc.resource as List | undefined)?.entry ?? []) {
      const ref = entry.deleted ? undefined : entry.item.reference;
      const target = ref ? referenceTarget(ref, ctx.baseUrl) : undefined;
      if (target?.t === type) ids.add(target.r.slice(type.length + 1));
    }
  }
  return { kind: 'id', name: clause.name, ids: [...ids] };
}

/** Resolves one clause (plain clauses are returned as they are). */
async function resolveClause(ctx: ResolveContext, type: string, clause: Clause): Promise<Clause> {
  switch (clause.kind) {
    case 'chain':
      return resolveChain(ctx, clause);
    case 'has':
      return resolveHas(ctx, type, clause);
    case 'list':
      return resolveList(ctx, type, clause);
    default:
      return clause;
  }
}

/** The search with every chain, `_has` and `_list` clause resolved. */
export async function resolveSearch(ctx: ResolveContext, ir: SearchIR): Promise<SearchIR> {
  const clauses: Clause[] = [];
  for (const clause of ir.clauses) clauses.push(await resolveClause(ctx, ir.resourceType, clause));
  return { ...ir, clauses };
}

/** Resolves a search into its one storage condition. */
export async function compileResolved(ctx: ResolveContext, ir: SearchIR): Promise<Where> {
  return whereOf(await resolveSearch(ctx, ir));
}
