/**
 * Support for the clinician app tests: a SMART-enforcing app listening on 127.0.0.1 (the app calls the FHIR
 * server over HTTP, so it needs a real port), and the browser steps of an EHR launch through /ehr.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser, type Page } from '../helpers/smart-browser.js';
import { makeSmartTestApp, TEST_USERS, type SmartTestApp } from '../helpers/smart-app.js';
import { mintToken } from '../helpers/smart-app.js';

/** A listening test server. */
export interface Listening {
  t: SmartTestApp;
  server: Server;
  origin: string;
  base: string;
  /** A system token for reading back through the FHIR API. */
  token(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a SMART test app on a free port of 127.0.0.1. */
export async function listen(opts: { clock?: () => Date } = {}): Promise<Listening> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `${origin}/fhir`;
  const t = await makeSmartTestApp({ baseUrl: base, clock: opts.clock });
  server.on('request', t.app);
  return {
    t,
    server,
    origin,
    base,
    token: () => mintToken(t.smart, 'system/*.cruds', { clientId: 'demo-ehr', sub: 'demo-ehr' }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    },
  };
}

/** Signs in to /ehr, opens a patient and launches the app; returns the page the browser ends on. */
export async function ehrLaunch(
  browser: Browser,
  origin: string,
  patient: string,
  opts: { decision?: 'approve' | 'deny'; user?: (typeof TEST_USERS)[number] } = {},
): Promise<Page> {
  const user = opts.user ?? TEST_USERS[0];
  const login = await browser.go(`${origin}/ehr`);
  if (login.text.includes('name="password"'))
    await browser.submit(login, '/ehr/login', { username: user.username, password: user.password });
  const chart = await browser.go(`${origin}/ehr?patient=${patient}`);
  const consent = await browser.submit(chart, '/ehr/launch', { client_id: 'ccm-app', encounter: '' });
  if (!consent.text.includes('name="decision"')) return consent;
  return browser.submit(consent, '/consent', { decision: opts.decision ?? 'approve' });
}

/** The hidden CSRF token of a page. */
export function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** `/app/p/{key}` of an app page URL. */
export function launchBase(url: string): string {
  const m = /^(https?:\/\/[^/]+\/app\/p\/[^/]+)/.exec(url);
  if (!m) throw new Error(`not an app page: ${url}`);
  return m[1];
}

/** The Cookie header the browser would send to `url` (the test browser keeps its jar private). */
export function cookieFor(browser: Browser, url: string): string {
  const jar = (browser as unknown as { jar: Map<string, Map<string, string>> }).jar.get(
    new URL(url).hostname,
  );
  return [...(jar ?? new Map<string, string>()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Posts a multipart form (with an optional file) as the browser, without following the redirect. */
export async function postMultipart(
  browser: Browser,
  url: string,
  fields: Array<[string, string]>,
  file?: { name: string; type: string; body: Buffer },
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  if (file) form.append('document', new Blob([new Uint8Array(file.body)], { type: file.type }), file.name);
  return fetch(url, {
    method: 'POST',
    body: form,
    headers: { cookie: cookieFor(browser, url) },
    redirect: 'manual',
  });
}

/** Reads a resource back through the FHIR API. */
export async function fhirGet<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}/${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The error issues `$validate` finds in a resource against the profiles it claims. */
export async function validationErrors(
  base: string,
  token: string,
  resource: { resourceType: string },
): Promise<string[]> {
  const res = await fetch(`${base}/${resource.resourceType}/$validate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource }] }),
  });
  const outcome = (await res.json()) as { issue?: Array<{ severity: string; diagnostics?: string }> };
  return (outcome.issue ?? [])
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => i.diagnostics ?? '');
}
