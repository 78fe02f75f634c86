/**
 * SMART clinical scopes (SMART App Launch 2.2 scopes-and-launch-context.html "Scopes for requesting
 * clinical data"): `context/type.permissions[?param=value&...]` with v2 permissions (a subset of `cruds`
 * in that order) and the v1 forms `.read`, `.write`, `.*`, mapped to `.rs`, `.cud`, `.cruds`.
 */

/** Whose data a scope reaches: the patient in context, what the user may see, or a client policy. */
export type ScopeContext = 'patient' | 'user' | 'system';

/** One v2 permission letter: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

const ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

/** A parsed clinical scope. */
export interface ResourceScope {
  /** The scope exactly as granted. */
  raw: string;
  context: ScopeContext;
  /** A resource type, or `*` for every type. */
  type: string;
  perms: ReadonlySet<Permission>;
  /** Finer-grained constraint (v2 `?param=value`), as ordered pairs; absent = no constraint. */
  query?: Array<[string, string]>;
  version: 1 | 2;
}

const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(\?.*)?$/;

/** v2 permissions of a suffix (`rs`, `cud`, ...); null when letters are unknown, repeated or out of order. */
function v2Permissions(suffix: string): Set<Permission> | null {
  let at = 0;
  const out = new Set<Permission>();
  for (const ch of suffix) {
    const i = ORDER.indexOf(ch as Permission, at);
    if (i < 0) return null;
    out.add(ch as Permission);
    at = i + 1;
  }
  return out.size > 0 ? out : null;
}

/** The permissions of a v1 suffix (scopes-and-launch-context.html: `.read` ⇒ `.rs`, `.write` ⇒ `.cud`). */
function v1Permissions(suffix: string): Set<Permission> | null {
  if (suffix === 'read') return new Set(['r', 's']);
  if (suffix === 'write') return new Set(['c', 'u', 'd']);
  if (suffix === '*') return new Set(ORDER);
  return null;
}

/** Parses one clinical scope; null when the text is not one (launch, openid, malformed, `.dus` ...). */
export function parseResourceScope(raw: string): ResourceScope | null {
  const m = SCOPE.exec(raw);
  if (!m) return null;
  const [, context, type, suffix, queryText] = m;
  const v1 = v1Permissions(suffix);
  const perms = v1 ?? v2Permissions(suffix);
  if (!perms) return null;
  const scope: ResourceScope = {
    raw,
    context: context as ScopeContext,
    type,
    perms,
    version: v1 ? 1 : 2,
  };
  if (queryText !== undefined) {
    if (v1) return null;
    const pairs = [...new URLSearchParams(queryText.slice(1)).entries()];
    if (pairs.length === 0 || pairs.some(([k, v]) => k === '' || v === '')) return null;
    scope.query = pairs;
  }
  return scope;
}

/** Splits a scope parameter (RFC 6749 §3.3: space-delimited, case-sensitive) into distinct scopes. */
export function splitScopes(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/[ ]+/).filter((s) => s !== ''))];
}

/** The clinical scopes among a list of scope strings. */
export function resourceScopes(scopes: readonly string[]): ResourceScope[] {
  return scopes.flatMap((s) => {
    const parsed = parseResourceScope(s);
    return parsed ? [parsed] : [];
  });
}

/** True when `granted` covers everything `wanted` asks for (same context, type or `*`, permissions, query). */
export function covers(granted: ResourceScope, wanted: ResourceScope): boolean {
  if (granted.context !== wanted.context) return false;
  if (granted.type !== '*' && granted.type !== wanted.type) return false;
  for (const p of wanted.perms) if (!granted.perms.has(p)) return false;
  if (!granted.query) return true;
  if (!wanted.query) return false;
  const key = (q: Array<[string, string]>) =>
    q
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('&');
  return key(granted.query) === key(wanted.query);
}
