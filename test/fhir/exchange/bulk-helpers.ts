/** Helpers of the Bulk Data export tests: kick-off, polling and NDJSON downloads through supertest. */
import request from 'supertest';
import type { FhirResource } from 'fhir/r4.js';
import type { CcmApp } from '../../../server/app.js';

/** The path and query of an absolute URL the app issued (status and file URLs). */
export const pathOf = (url: string): string => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/** GET kick-off with the IG's required headers (export.html#headers). */
export function kickOff(app: CcmApp['app'], path: string, headers: Record<string, string> = {}) {
  const req = request(app)
    .get(`/fhir/${path}`)
    .set('accept', 'application/fhir+json')
    .set('prefer', 'respond-async');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req;
}

/** Polls a status URL until it stops answering 202; returns the last response. */
export async function waitForStatus(
  app: CcmApp['app'],
  statusUrl: string,
  timeoutMs = 20000,
  headers: Record<string, string> = {},
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(pathOf(statusUrl)).set('accept', 'application/json').set(headers);
    if (res.status !== 202 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** GET of an output file URL, its body kept as text (NDJSON). */
export function getNdjson(app: CcmApp['app'], fileUrl: string, headers: Record<string, string> = {}) {
  return request(app)
    .get(pathOf(fileUrl))
    .set('accept', 'application/fhir+ndjson')
    .set(headers)
    .buffer(true)
    .parse((r, cb) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString()));
      r.on('end', () => cb(null, text));
    });
}

/** The manifest item shape (export.html#response---complete-status). */
export interface ManifestItem {
  type: string;
  url: string;
  count?: number;
}

/** Downloads NDJSON files; returns the resources of each. */
export async function download(
  app: CcmApp['app'],
  items: ManifestItem[],
): Promise<Array<{ item: ManifestItem; resources: FhirResource[]; contentType: string }>> {
  const out = [];
  for (const item of items) {
    const res = await getNdjson(app, item.url);
    if (res.status !== 200) throw new Error(`${item.url}: ${res.status}`);
    const resources = String(res.body)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as FhirResource);
    out.push({ item, resources, contentType: String(res.headers['content-type']) });
  }
  return out;
}
