/**
 * The trusted EHR issuers (`EHR_ISSUERS_FILE`, #18): the only EHRs whose signed id_tokens ccm-fhir exchanges
 * for its own tokens, and the only places `npm run sync` pulls from. Each names its FHIR base (`iss`), the
 * keys its id_tokens are signed with (`jwks_uri`, fetched with a cache, or `jwks` inline), the audience its
 * id_tokens carry for the clinician app (`id_token_audience`: the app's client_id at that EHR), and
 * optionally the Backend Services credential ccm-fhir holds there (`backend`) and whether the monthly note
 * may be written back (`write_back`). Validated at start; every error names the file and the field.
 *
 * Plain `http:` is accepted only for loopback hosts (tests and demos): an id_token's keys or a patient
 * check fetched over the network in clear text could be forged by anyone on the path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK, JSONWebKeySet } from 'jose';
import { normaliseIss } from './identity.js';

/** ccm-fhir's SMART Backend Services client at an EHR (for `npm run sync`). */
export interface EhrBackend {
  clientId: string;
  /** The private JWK (RS384 or ES384, with `kid`) that signs the client assertions. */
  privateJwk: JWK & { kid: string; alg: 'RS384' | 'ES384' };
  /** Scopes requested (default `system/*.rs`). */
  scope: string;
  /** A Group at the EHR holding the practice's CCM panel: `Group/{id}/$export` instead of `Patient/$export`. */
  groupId?: string;
}

/** One trusted EHR. */
export interface EhrIssuer {
  /** A short name (`--ehr NAME`, Provenance agent display). */
  name: string;
  /** The EHR's FHIR base URL, as its id_tokens' `iss` (no trailing slash). */
  iss: string;
  jwksUri?: string;
  jwks?: JSONWebKeySet;
  /** The `aud` of id_tokens the EHR issues to the clinician app. */
  idTokenAudience: string;
  backend?: EhrBackend;
  writeBack: boolean;
}

/** A problem in the issuers file, naming the field. */
export class EhrIssuersError extends Error {
  constructor(message: string) {
    super(`EHR_ISSUERS_FILE: ${message}`);
    this.name = 'EhrIssuersError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A URL field: absolute, https (or http on a loopback host), no query or fragment, no credentials. */
function urlField(value: unknown, where: string): string {
  if (typeof value !== 'string' || !URL.canParse(value))
    throw new EhrIssuersError(`${where} must be an absolute URL`);
  const u = new URL(value);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
    throw new EhrIssuersError(`${where} must be https (http only for 127.0.0.1/localhost)`);
  if (u.search || u.hash || u.username || u.password)
    throw new EhrIssuersError(`${where} must have no query, fragment or credentials`);
  return value;
}

/** An inline JWK Set: public keys only. */
function jwksField(value: unknown, where: string): JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new EhrIssuersError(`${where} must be {"keys": [...]} with at least one key`);
  keys.forEach((k: unknown, i) => {
    const key = (k ?? {}) as Record<string, unknown>;
    if (typeof key.kty !== 'string') throw new EhrIssuersError(`${where}.keys[${i}].kty is required`);
    if ('d' in key)
      throw new EhrIssuersError(`${where}.keys[${i}] is a private key; give the public key only`);
  });
  return value as JSONWebKeySet;
}

/** The backend credential: `private_jwk` inline or `private_jwk_file` (relative to the issuers file). */
function backendField(value: unknown, where: string, dir: string): EhrBackend {
  const b = (value ?? {}) as Record<string, unknown>;
  if (typeof b.client_id !== 'string' || b.client_id === '')
    throw new EhrIssuersError(`${where}.client_id is required`);
  let jwk: unknown = b.private_jwk;
  if (jwk === undefined && typeof b.private_jwk_file === 'string') {
    const file = path.resolve(dir, b.private_jwk_file);
    try {
      jwk = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const why = err instanceof SyntaxError ? 'not JSON' : 'cannot be read';
      throw new EhrIssuersError(`${where}.private_jwk_file ${file}: ${why}`);
    }
  }
  if (jwk === undefined) throw new EhrIssuersError(`${where} needs private_jwk or private_jwk_file`);
  const k = (jwk ?? {}) as Record<string, unknown>;
  if (typeof k.kid !== 'string' || !['RS384', 'ES384'].includes(String(k.alg)) || typeof k.d !== 'string')
    throw new EhrIssuersError(`${where}.private_jwk must be a private key with kid and alg RS384 or ES384`);
  if (b.scope !== undefined && (typeof b.scope !== 'string' || b.scope.trim() === ''))
    throw new EhrIssuersError(`${where}.scope must be a non-empty string`);
  if (
    b.group_id !== undefined &&
    (typeof b.group_id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(b.group_id))
  )
    throw new EhrIssuersError(`${where}.group_id must be a FHIR id`);
  return {
    clientId: b.client_id,
    privateJwk: k as EhrBackend['privateJwk'],
    scope: typeof b.scope === 'string' ? b.scope.trim() : 'system/*.rs',
    ...(typeof b.group_id === 'string' ? { groupId: b.group_id } : {}),
  };
}

/** One `ehrs[i]` entry. */
function issuerEntry(raw: unknown, i: number, dir: string): EhrIssuer {
  const where = `ehrs[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new EhrIssuersError(`${where} must be an object`);
  const e = raw as Record<string, unknown>;
  if (typeof e.name !== 'string' || !NAME.test(e.name))
    throw new EhrIssuersError(`${where}.name must be letters, digits, - or _ (at most 64)`);
  const iss = normaliseIss(urlField(e.iss, `${where}.iss`));
  if ((e.jwks_uri === undefined) === (e.jwks === undefined))
    throw new EhrIssuersError(`${where} needs exactly one of jwks_uri and jwks`);
  if (typeof e.id_token_audience !== 'string' || e.id_token_audience === '')
    throw new EhrIssuersError(`${where}.id_token_audience is required (the app's client_id at this EHR)`);
  if (e.write_back !== undefined && typeof e.write_back !== 'boolean')
    throw new EhrIssuersError(`${where}.write_back must be true or false`);
  return {
    name: e.name,
    iss,
    ...(e.jwks_uri !== undefined ? { jwksUri: urlField(e.jwks_uri, `${where}.jwks_uri`) } : {}),
    ...(e.jwks !== undefined ? { jwks: jwksField(e.jwks, `${where}.jwks`) } : {}),
    idTokenAudience: e.id_token_audience,
    ...(e.backend !== undefined ? { backend: backendField(e.backend, `${where}.backend`, dir) } : {}),
    writeBack: e.write_back === true,
  };
}

/** Parses the issuers file's text (`{"ehrs": [...]}`); `dir` resolves relative key files. */
export function parseEhrIssuers(text: string, dir = '.'): EhrIssuer[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new EhrIssuersError('not valid JSON');
  }
  const list = (doc as { ehrs?: unknown } | null)?.ehrs;
  if (!Array.isArray(list)) throw new EhrIssuersError('expected {"ehrs": [...]}');
  const out = list.map((e, i) => issuerEntry(e, i, dir));
  out.forEach((e, i) => {
    if (out.findIndex((o) => o.name === e.name) !== i)
      throw new EhrIssuersError(`ehrs[${i}].name ${e.name} is used twice`);
    if (out.findIndex((o) => o.iss === e.iss) !== i)
      throw new EhrIssuersError(`ehrs[${i}].iss ${e.iss} is listed twice`);
  });
  return out;
}

/** Reads and parses an issuers file. */
export function loadEhrIssuers(file: string): EhrIssuer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new EhrIssuersError(`${file} cannot be read`);
  }
  return parseEhrIssuers(text, path.dirname(file));
}

/** The trusted issuer whose `iss` equals `iss` (trailing slashes aside); undefined when not trusted. */
export function trustedIssuer(issuers: readonly EhrIssuer[], iss: unknown): EhrIssuer | undefined {
  if (typeof iss !== 'string') return undefined;
  const wanted = normaliseIss(iss);
  return issuers.find((e) => e.iss === wanted);
}

/** EHR_ISSUERS_FILE for config.ts: an existing file that parses; problems are pushed, never thrown. */
export function ehrIssuersFileOf(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const raw = env.EHR_ISSUERS_FILE;
  if (raw === undefined || raw === '') return undefined;
  const file = path.resolve(raw);
  try {
    loadEhrIssuers(file);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return file;
}
