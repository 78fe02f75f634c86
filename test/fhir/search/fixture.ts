/**
 * The named search conformance fixture (fixtures/search/conformance.json) loaded into a fresh app through
 * the REST API, with a controlled clock: every resource is written at LOADED_AT, then Patient/pat-5 and
 * Observation/obs-9 are updated at UPDATED_AT (for `_lastUpdated`; with `language` set, which no case
 * searches, as an update with unchanged content writes no version), and the clock stays at UPDATED_AT
 * (the "now" of `ap` on dates). Expected results in the suites are derived from this file and the spec.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, TEST_BASE, type Engine, type TestApp } from '../../helpers/test-app.js';

/** When the fixture is written. */
export const LOADED_AT = '2026-04-01T10:00:00.000Z';
/** When two resources are written again; also "now" afterwards. */
export const UPDATED_AT = '2026-04-02T10:00:00.000Z';
/** Resources written again at UPDATED_AT. */
export const UPDATED = ['Patient/pat-5', 'Observation/obs-9'];

const FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/search/conformance.json',
);

/** The fixture's resources. */
export function fixtureResources(): Resource[] {
  const bundle = JSON.parse(readFileSync(FILE, 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}

/** PUTs a resource at its id; throws with the outcome when the server refuses it. */
export async function putResource(t: TestApp, r: Resource): Promise<void> {
  const res = await request(t.app)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify(r));
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`${r.resourceType}/${r.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 600)}`);
  }
}

/** A fresh app holding the fixture. */
export async function conformanceApp(engine: Engine): Promise<TestApp> {
  let now = new Date(LOADED_AT);
  const t = await makeTestApp({ engine, clock: () => now });
  const resources = fixtureResources();
  for (const r of resources) await putResource(t, r);
  now = new Date(UPDATED_AT);
  for (const key of UPDATED) {
    const r = resources.find((x) => `${x.resourceType}/${x.id}` === key) as Resource;
    await putResource(t, { ...r, language: 'en' });
  }
  return t;
}

/** A searchset reply, reduced to what the suites compare. */
export interface SearchReply {
  status: number;
  body: Bundle;
  /** `Type/id` of the entries with search mode `match`, in order. */
  matches: string[];
  /** `Type/id` of the entries with search mode `include`, sorted. */
  included: string[];
  /** Diagnostics of the outcome entry (warnings), if any. */
  warnings: string[];
}

const keyOf = (e: BundleEntry): string => `${e.resource?.resourceType}/${e.resource?.id}`;

/** Reduces a searchset Bundle. */
export function reduce(status: number, body: Bundle): SearchReply {
  const entries = body.entry ?? [];
  const outcome = entries.find((e) => e.search?.mode === 'outcome')?.resource as OperationOutcome | undefined;
  const issues = outcome?.resourceType === 'OperationOutcome' ? outcome.issue : [];
  return {
    status,
    body,
    matches: entries.filter((e) => e.search?.mode === 'match').map(keyOf),
    included: entries
      .filter((e) => e.search?.mode === 'include')
      .map(keyOf)
      .sort(),
    warnings: issues.map((i) => i.diagnostics ?? ''),
  };
}

/** Percent-encodes the names and values of a readable query (`Patient?family=Mü&x=a|b`). */
export function encodeQuery(query: string): string {
  const q = query.indexOf('?');
  if (q < 0) return query;
  const pairs = query
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return `${encodeURIComponent(decodeURIComponent(k))}=${encodeURIComponent(decodeURIComponent(v))}`;
    });
  return `${query.slice(0, q)}?${pairs.join('&')}`;
}

/** GET [base]/[query] (relative to the FHIR base, or an absolute link from a Bundle). */
export async function get(
  t: TestApp,
  query: string,
  headers: Record<string, string> = {},
): Promise<SearchReply> {
  const pathAndQuery = query.startsWith(TEST_BASE) ? query.slice(TEST_BASE.length + 1) : encodeQuery(query);
  let req = request(t.app).get(`/fhir/${pathAndQuery}`);
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  const res = await req;
  return reduce(res.status, res.body as Bundle);
}

/** The URL of a Bundle link. */
export const link = (b: Bundle, relation: string): string | undefined =>
  b.link?.find((l: BundleLink) => l.relation === relation)?.url;

/** Follows `next` links from a first reply; returns every page. */
export async function allPages(t: TestApp, first: SearchReply): Promise<SearchReply[]> {
  const pages = [first];
  for (let next = link(first.body, 'next'); next; next = link(pages[pages.length - 1].body, 'next')) {
    pages.push(await get(t, next));
    if (pages.length > 50) throw new Error('paging does not end');
  }
  return pages;
}
