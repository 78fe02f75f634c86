/**
 * Version-aware HTTP headers of FHIR R4 http.html: ETag / If-Match / If-None-Match (weak version
 * ETags `W/"n"`), Last-Modified / If-Modified-Since, and the `Prefer` header's `return` and `handling`.
 */
import { badRequest } from './outcomes.js';

/** The weak ETag for a version (http.html#versioning). */
export function etagOf(versionId: number | string): string {
  return `W/"${versionId}"`;
}

/** Parses an ETag such as `W/"3"` or `"3"` into a version number; 400 for anything else. */
export function parseVersionEtag(raw: string, header: string): number {
  const m = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(raw);
  if (!m)
    throw badRequest(
      `${header} must be a version ETag such as W/"3", not ${JSON.stringify(raw.slice(0, 64))}`,
    );
  return Number(m[1]);
}

/** Versions listed in If-None-Match; `'*'` when the header is `*`. */
export function parseIfNoneMatch(raw: string): number[] | '*' {
  if (raw.trim() === '*') return '*';
  return raw
    .split(',')
    .map((part) => /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(part))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

/** The HTTP-date form of an ISO instant (RFC 9110 §5.6.7), for Last-Modified. */
export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

/** The parts of the Prefer header the server honours (http.html#ops, search.html#errors). */
export interface Preferences {
  return: PreferReturn;
  strict: boolean;
  respondAsync: boolean;
}

/** Parses `Prefer`; unknown preferences are ignored as RFC 7240 says. */
export function parsePrefer(raw: string | undefined): Preferences {
  const prefs: Preferences = { return: 'representation', strict: false, respondAsync: false };
  for (const token of (raw ?? '').split(/[,;]/)) {
    const [name, value] = token.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (
      name === 'return' &&
      (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')
    ) {
      prefs.return = value;
    } else if (name === 'handling') {
      prefs.strict = value === 'strict';
    } else if (name === 'respond-async') {
      prefs.respondAsync = true;
    }
  }
  return prefs;
}
