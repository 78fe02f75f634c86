/**
 * Test support of the care plan screen: a real in-process FHIR server listening on 127.0.0.1 (open access
 * mode), a FhirApi that talks to it over HTTP with fetch, and a small express app that mounts the screen with
 * ScreenDeps built for the test (handlebars rendering of smart-app/views, flash and state per launch).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Handlebars from 'handlebars';
import type { Bundle, FhirResource, OperationOutcome, Resource } from 'fhir/r4.js';
import {
  FhirWriteError,
  type FhirApi,
  type Flash,
  type LaunchContext,
  type ScreenDeps,
} from '../../smart-app/context.js';
import { mountCarePlan } from '../../smart-app/care-plan/screen.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'smart-app', 'views');
const FHIR_JSON = 'application/fhir+json';

/** A listening FHIR server. */
export interface FhirServer {
  app: TestApp;
  base: string;
  close(): Promise<void>;
}

/** Starts a FHIR server on 127.0.0.1, port 0, whose base URL carries the real port. */
export async function startFhirServer(clock: () => Date): Promise<FhirServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  const app = await makeTestApp({ clock, baseUrl: base });
  server.on('request', app.app);
  return {
    app,
    base,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** The OperationOutcome of a refused reply (or one describing the status). */
async function outcomeOf(res: Response): Promise<OperationOutcome> {
  const body = (await res.json().catch(() => undefined)) as OperationOutcome | undefined;
  if (body?.resourceType === 'OperationOutcome') return body;
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'exception', diagnostics: `HTTP ${res.status}` }],
  };
}

/** A FhirApi over HTTP (fetch) against a FHIR base URL. */
export function fetchFhirApi(base: string): FhirApi {
  const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url.startsWith('http') ? url : `${base}/${url}`, {
      method,
      headers: { accept: FHIR_JSON, ...(body ? { 'content-type': FHIR_JSON } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return res;
  };
  const write = async <T>(method: string, url: string, body: unknown, headers?: Record<string, string>) => {
    const res = await send(method, url, body, headers);
    if (!res.ok) throw new FhirWriteError(res.status, await outcomeOf(res));
    return (await res.json()) as T;
  };
  return {
    async read<T extends Resource>(type: T['resourceType'], id: string) {
      const res = await send('GET', `${type}/${id}`);
      if (!res.ok) throw new Error(`GET ${type}/${id}: ${res.status}`);
      return (await res.json()) as T;
    },
    async search<T extends Resource>(type: T['resourceType'], params: Record<string, string>, max = 1000) {
      const out: T[] = [];
      let url: string | undefined = `${type}?${new URLSearchParams(params).toString()}`;
      while (url && out.length < max) {
        const res = await send('GET', url);
        if (!res.ok) throw new Error(`search ${type}: ${res.status}`);
        const b = (await res.json()) as Bundle;
        for (const e of b.entry ?? [])
          if (e.resource?.resourceType === type && e.search?.mode !== 'include') out.push(e.resource as T);
        url = b.link?.find((l) => l.relation === 'next')?.url;
      }
      return out.slice(0, max);
    },
    create: <T extends Resource>(r: T) => write<T>('POST', r.resourceType, r),
    update: <T extends Resource>(r: T, versionId?: string) =>
      write<T>('PUT', `${r.resourceType}/${r.id}`, r, versionId ? { 'if-match': `W/"${versionId}"` } : {}),
    transaction: (b: Bundle) => write<Bundle>('POST', base, b),
    async operation<T extends Resource>(p: string) {
      const res = await send('GET', p);
      if (res.status === 404 || res.status === 501) return undefined;
      return (await res.json()) as T;
    },
  };
}

/** PUTs resources into the FHIR server; throws with the outcome when one is refused. */
export async function putAll(base: string, resources: FhirResource[]): Promise<void> {
  for (const r of resources) {
    const res = await fetch(`${base}/${r.resourceType}/${r.id}`, {
      method: 'PUT',
      headers: { 'content-type': FHIR_JSON },
      body: JSON.stringify(r),
    });
    if (!res.ok) throw new Error(`PUT ${r.resourceType}/${r.id}: ${res.status} ${await res.text()}`);
  }
}

/** A running screen app and what the test can see of its deps. */
export interface ScreenApp {
  url: string;
  flashes: Flash[];
  close(): Promise<void>;
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders a view of smart-app/views inside a minimal layout with the shell's `csrfToken` and `base`. */
function renderView(view: string, data: Record<string, unknown>, base: string, flash: Flash[]): string {
  let tpl = compiled.get(view);
  if (!tpl) {
    tpl = Handlebars.compile(readFileSync(path.join(VIEWS, `${view}.hbs`), 'utf8'), { strict: false });
    compiled.set(view, tpl);
  }
  const body = tpl({ ...data, csrfToken: 'test-csrf', base });
  const shown = flash
    .map((f) => `<p class="flash-${f.kind}">${Handlebars.escapeExpression(f.text)}</p>`)
    .join('');
  return `<!doctype html><html><body><nav><a href="${base}/care-plan">Care plan</a></nav>${shown}${body}</body></html>`;
}

/** Starts an express app mounting the care plan screen under /app/p/:key with test ScreenDeps. */
export async function startScreen(o: {
  fhirBase: string;
  /** The launching EHR's FHIR base, when it is another server than ccm-fhir (`fhirBase`). */
  ehrBase?: string;
  launch: Pick<LaunchContext, 'patientId' | 'needPatientBanner'> & Partial<LaunchContext>;
  now: () => Date;
}): Promise<ScreenApp> {
  const flashes: Flash[] = [];
  const pending: Flash[] = [];
  const state = new Map<string, unknown>();
  const deps: ScreenDeps = {
    launch: (req) => ({
      ehrIss: o.ehrBase ?? o.fhirBase,
      ccmUrl: o.fhirBase,
      twoServers: o.ehrBase !== undefined,
      ehrPatientId: o.launch.patientId,
      ...o.launch,
      key: String(req.params.key),
      serverUrl: o.ehrBase ?? o.fhirBase,
    }),
    fhir: () => fetchFhirApi(o.fhirBase),
    ehr: () => fetchFhirApi(o.ehrBase ?? o.fhirBase),
    async render(req, res, view, data) {
      const shown = pending.splice(0);
      res.type('html').send(renderView(view, data, req.baseUrl, shown));
    },
    flash: (_req, f) => {
      flashes.push(f);
      pending.push(f);
    },
    state: () => state,
    now: o.now,
    timeZone: 'America/New_York',
  };
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const router = express.Router({ mergeParams: true });
  mountCarePlan(router, deps);
  app.use('/app/p/:key', router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/p/k1`,
    flashes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Unescapes what handlebars escaped. */
function unescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');
}

/** The fields a browser would submit from the form posting to `action` (checked boxes, selected options). */
export function formFields(html: string, action: string): URLSearchParams {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const out = new URLSearchParams();
  const attr = (tag: string, a: string) => unescape(new RegExp(`\\s${a}="([^"]*)"`).exec(tag)?.[1] ?? '');
  const re = /<input\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/g;
  for (const m of form.matchAll(re)) {
    const tag = m[0];
    const name = attr(tag, 'name');
    if (!name) continue;
    if (tag.startsWith('<textarea')) out.append(name, unescape(m[1]));
    else if (tag.startsWith('<select')) {
      const opt = /<option value="([^"]*)" selected/.exec(m[2]) ?? /<option value="([^"]*)"/.exec(m[2]);
      out.append(name, unescape(opt?.[1] ?? ''));
    } else if (/type="checkbox"/.test(tag)) {
      if (/\schecked\b/.test(tag)) out.append(name, attr(tag, 'value'));
    } else out.append(name, attr(tag, 'value'));
  }
  return out;
}
