/**
 * Two servers in one test process for the clinician app's #18 tests: A, a SMART test app listening on
 * 127.0.0.1 that plays the EHR (the demo practice, practitioner users, the app registered as a confidential
 * client with a chosen scope), and B, ccm-fhir with the app mounted at /app, trusting A's id_tokens
 * (or another issuer only), its app registered at A in its clients file. Either side can be taken down
 * (connections dropped) and brought back; A's clock can be moved. The launch is driven by the test browser.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Resource } from 'fhir/r4.js';
import { createApp } from '../../server/app.js';
import { secretHash } from '../../server/auth/clients.js';
import { practiceLogin } from '../../server/auth/practice-login.js';
import { createSmartAccess } from '../../server/auth/setup.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { openStore } from '../../server/storage/open-store.js';
import { Browser, type Page } from '../helpers/smart-browser.js';
import {
  makeSmartTestApp,
  mintToken,
  testClock,
  TEST_USERS,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { PracticeUserStore } from '../../server/auth/practice-users.js';

export const APP_AT_EHR = 'ccm-app-at-clinic';
const SECRET = 'the-app-secret-at-the-clinic-0123456789';
export const FULL_SCOPE =
  'launch openid fhirUser online_access patient/*.cruds user/Practitioner.rs user/Provenance.c';

/** A listening server whose connections can be dropped (down) and restored. */
interface Switchable {
  server: Server;
  origin: string;
  base: string;
  down: boolean;
}

async function listening(
  handler: () => (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Switchable> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s: Switchable = { server, origin, base: `${origin}/fhir`, down: false };
  server.on('request', (req, res) => {
    if (s.down && req.url?.startsWith('/fhir')) return void req.socket.destroy();
    handler()(req, res);
  });
  return s;
}

/** The pair. */
export interface Pair {
  ehr: Switchable & { t: SmartTestApp; advance(seconds: number): void; tokenRequests(): number };
  ccm: Switchable;
  browser: Browser;
  /** A search at A or B with a system token. */
  search(at: 'ehr' | 'ccm', query: string): Promise<Resource[]>;
  /** Creates a resource at A (the chart) with a system token. */
  chart(resource: Resource): Promise<void>;
  close(): Promise<void>;
}

/** Options of a pair. */
export interface PairOptions {
  /** The scope the app asks of A (and A allows it). */
  ehrScope?: string;
  writeBack?: boolean;
  /** B trusts A (default) or only another issuer. */
  trustEhr?: boolean;
  /** Lifetime of B's tokens (s). */
  ccmTokenSeconds?: number;
}

/** Starts A and B. */
export async function startPair(o: PairOptions = {}): Promise<Pair> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-two-'));
  type Handler = (req: IncomingMessage, res: ServerResponse) => void;
  // The servers listen first (each needs the other's URL), their apps are attached once built.
  const apps: { a?: Handler; b?: Handler } = {};
  const ccm = await listening(() => apps.b as Handler);
  const clock = testClock();
  let tokenRequests = 0;
  const ehrS = await listening(() => (req, res) => {
    if (req.url?.startsWith('/auth/token')) tokenRequests++;
    (apps.a as Handler)(req, res);
  });
  const scope = o.ehrScope ?? FULL_SCOPE;
  const t = await makeSmartTestApp({
    baseUrl: ehrS.base,
    clock: clock.now,
    extraClients: [
      {
        client_id: APP_AT_EHR,
        token_endpoint_auth_methods: ['client_secret_basic'],
        client_secret_sha256: secretHash(SECRET),
        redirect_uris: [`${ccm.origin}/app/callback`],
        launch_uri: `${ccm.origin}/app/launch`,
        grant_types: ['authorization_code', 'refresh_token'],
        scope,
      },
    ],
  });
  apps.a = t.app;
  const clientsFile = path.join(dir, 'app-clients.json');
  writeFileSync(
    clientsFile,
    JSON.stringify({ issuers: [{ iss: ehrS.base, client_id: APP_AT_EHR, client_secret: SECRET, scope }] }),
  );
  const trusted: EhrIssuer = {
    name: 'clinic',
    iss: o.trustEhr === false ? 'http://127.0.0.1:9/fhir' : ehrS.base,
    jwksUri: o.trustEhr === false ? 'http://127.0.0.1:9/auth/jwks' : `${ehrS.origin}/auth/jwks`,
    idTokenAudience: APP_AT_EHR,
    writeBack: o.writeBack ?? true,
  };
  const store = await openStore({ dataDir: null });
  const users = new PracticeUserStore([]);
  const access = await createSmartAccess({
    config: { baseUrl: ccm.base, demoClients: true },
    store,
    ...practiceLogin({ users, key: randomBytes(32), secure: false }),
    ehrIssuers: [trusted],
    ...(o.ccmTokenSeconds ? { settings: { accessTokenSeconds: o.ccmTokenSeconds } } : {}),
  });
  const b = createApp({
    config: {
      baseUrl: ccm.base,
      bodyLimitBytes: 16 * 1024 * 1024,
      smartAppClientsFile: clientsFile,
      demoClients: true,
    },
    store,
    access,
  });
  apps.b = b.app;
  const search = async (at: 'ehr' | 'ccm', query: string) => {
    const base = at === 'ehr' ? ehrS.base : ccm.base;
    const smart = at === 'ehr' ? t.smart : access;
    const token = await mintToken(smart, 'system/*.rs', { clientId: 'demo-ehr', sub: 'demo-ehr' });
    const res = await fetch(`${base}/${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`${at} ${query}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as Bundle).entry?.map((e) => e.resource as Resource) ?? [];
  };
  const ehr = Object.assign(ehrS, { t, advance: clock.advance, tokenRequests: () => tokenRequests });
  const chart = async (resource: Resource) => {
    const token = await mintToken(t.smart, 'system/*.cruds', { clientId: 'demo-ehr', sub: 'demo-ehr' });
    const res = await fetch(`${ehrS.base}/${resource.resourceType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    if (!res.ok) throw new Error(`chart ${resource.resourceType}: ${res.status} ${await res.text()}`);
  };
  return {
    ehr,
    ccm,
    browser: new Browser(),
    search,
    chart,
    close: async () => {
      for (const s of [ehrS, ccm]) {
        s.server.closeAllConnections();
        await new Promise((resolve) => s.server.close(resolve));
      }
      await t.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in at A's /ehr, opens the patient's chart and launches the app at B; the page it ends on. */
export async function launchFromEhr(p: Pair, patient = 'demo-patient-1'): Promise<Page> {
  const user = TEST_USERS[0];
  const login = await p.browser.go(`${p.ehr.origin}/ehr`);
  if (login.text.includes('name="password"'))
    await p.browser.submit(login, '/ehr/login', { username: user.username, password: user.password });
  const chart = await p.browser.go(`${p.ehr.origin}/ehr?patient=${patient}`);
  const consent = await p.browser.submit(chart, '/ehr/launch', { client_id: APP_AT_EHR, encounter: '' });
  if (!consent.text.includes('name="decision"')) return consent;
  return p.browser.submit(consent, '/consent', { decision: 'approve' });
}
