/**
 * `_include` and `_revinclude` (R4 search.html#include): after the page of matches is known, the resources
 * they reference through the named reference parameters (`_include=Condition:subject[:Patient]`, `*` for
 * all of them) and the resources that reference them (`_revinclude=Provenance:target`) are added with
 * search mode `include`. Non-iterating includes apply to the matches only; `:iterate` ones are applied
 * again to what was included, until nothing new is found (at most MAX_ROUNDS rounds). Only references to
 * resources on this server are followed; a resource is never returned twice.
 */
import { or, type Fields } from '../../storage/repository.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import type { IncludeSpec } from './controls.js';
import type { ReferenceEntry } from './index-entry.js';
import type { SearchRegistry } from './registry.js';
import type { TypedDoc } from './sort.js';
import { findByKeys } from './store-query.js';

/** Most resources included in one page. */
export const MAX_INCLUDED = 2000;
const MAX_ROUNDS = 8;
const LOCAL_KEY = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** What inclusion needs. */
export interface IncludeContext {
  resources: ResourceStore;
  registry: SearchRegistry;
  /** Only resources of these types are included (e.g. $everything's non-compartment types); all when absent. */
  allowType?: (type: string) => boolean;
  /** The fields of the included resources that the caller reads (all when absent). */
  fields?: Fields;
}

/** The included resources, and whether MAX_INCLUDED cut the list short. */
export interface IncludeResult {
  included: Array<TypedDoc<ResourceDoc>>;
  truncated: boolean;
}

/** The reference parameters a spec follows from a resource of `type`. */
function paramsOf(registry: SearchRegistry, spec: IncludeSpec, type: string): string[] {
  if (spec.source !== '*' && spec.source !== type) return [];
  if (spec.param !== '*') return [spec.param];
  return registry
    .params(type)
    .filter((d) => d.supported && d.type === 'reference')
    .map((d) => d.code);
}

/** Keys (`Type/id`) the forward includes reach from `docs`. */
function forwardKeys(
  registry: SearchRegistry,
  specs: IncludeSpec[],
  docs: Array<TypedDoc<ResourceDoc>>,
): string[] {
  const keys = new Set<string>();
  for (const { type, doc } of docs) {
    for (const spec of specs) {
      for (const code of paramsOf(registry, spec, type)) {
        for (const e of (doc.sp?.[code] ?? []) as ReferenceEntry[]) {
          if (!e.r || !LOCAL_KEY.test(e.r) || !registry.isResourceType(e.r.split('/')[0])) continue;
          if (spec.target && !e.r.startsWith(`${spec.target}/`)) continue;
          keys.add(e.r);
        }
      }
    }
  }
  return [...keys];
}

/** Resources that refer to any of `docs` through the reverse include specs. */
async function reverseDocs(
  ctx: IncludeContext,
  specs: IncludeSpec[],
  docs: Array<TypedDoc<ResourceDoc>>,
  limit: number,
): Promise<Array<TypedDoc<ResourceDoc>>> {
  const out: Array<TypedDoc<ResourceDoc>> = [];
  for (const spec of specs) {
    const targets = docs
      .filter((d) => !spec.target || d.type === spec.target)
      .map((d) => `${d.type}/${d.doc._id}`);
    if (targets.length === 0) continue;
    const codes = paramsOf(ctx.registry, spec, spec.source);
    if (codes.length === 0) continue;
    const where = or(...codes.map((code) => ({ kind: 'refs' as const, name: code, code, refs: targets })));
    const found = await ctx.resources.find(spec.source, where, { limit: limit + 1, fields: ctx.fields });
    out.push(...found.map((doc) => ({ type: spec.source, doc })));
  }
  return out;
}

/** Follows the include and revinclude specs from the page's matches. */
export async function resolveIncludes(
  ctx: IncludeContext,
  matches: Array<TypedDoc<ResourceDoc>>,
  include: IncludeSpec[],
  revinclude: IncludeSpec[],
): Promise<IncludeResult> {
  const seen = new Set(matches.map((m) => `${m.type}/${m.doc._id}`));
  const included: Array<TypedDoc<ResourceDoc>> = [];
  let frontier = matches;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round++) {
    const fwd = include.filter((s) => round === 0 || s.iterate);
    const rev = revinclude.filter((s) => round === 0 || s.iterate);
    if (fwd.length === 0 && rev.length === 0) break;
    const room = MAX_INCLUDED - included.length;
    const keys = forwardKeys(ctx.registry, fwd, frontier).filter((k) => !seen.has(k));
    const found = [
      ...(await findByKeys(ctx.resources, keys, ctx.fields)),
      ...(await reverseDocs(ctx, rev, frontier, room)),
    ];
    const next: Array<TypedDoc<ResourceDoc>> = [];
    for (const d of found) {
      const key = `${d.type}/${d.doc._id}`;
      if (seen.has(key) || (ctx.allowType && !ctx.allowType(d.type))) continue;
      seen.add(key);
      if (included.length >= MAX_INCLUDED) return { included, truncated: true };
      included.push(d);
      next.push(d);
    }
    frontier = next;
  }
  return { included, truncated: false };
}
