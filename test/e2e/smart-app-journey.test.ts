/**
 * Acceptance: the clinician SMART app in headless Chromium. (1) From our /ehr a demo practitioner launches
 * the app for a demo patient, attests two conditions, records verbal consent, builds the care plan (the
 * care-plan steps), runs the timer and adds manual time past 20 minutes and sees 99490 reached; every
 * resource is then read back through the FHIR API and validated. (2) #18 acceptance 1: process A acts as a
 * third-party EHR (a ccm-fhir process that refuses app writes the way Epic does, test/e2e/support) and
 * launches the app on process B (ccm-fhir): the app reads the chart from A and keeps every CCM resource in
 * B; A receives only the monthly note; a second launch reuses the same B patient. (3) Launch failures
 * show a clear page. (4) Two tabs with two patients log time to the right patient.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Provenance, Resource } from 'fhir/r4.js';
import type { Browser, Page } from 'playwright-core';
import { carePlanSteps } from './support/care-plan-steps.js';
import { countByType, startEhrProcess, writesSeen } from './support/ehr-process.js';
import { PROFILE } from '../../server/ccm/vocabulary.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { getBackendToken } from '../helpers/smart-token.js';
import {
  ARTIFACTS,
  attest,
  ehrLaunchApp,
  ehrSignIn,
  launchChromium,
  manualEntry,
  runTimer,
  sameMonthFor,
  shot,
  verbalConsent,
  watchedPage,
} from '../smart-app/journey-steps.js';

const THIRD_PARTY_SECRET = 'third-party-ehr-secret-for-the-e2e-test';
const APP_AT_EHR = 'ccm-app-at-clinic';
const USER_SCOPES =
  'launch launch/patient launch/encounter openid fhirUser profile offline_access online_access patient/*.cruds user/*.cruds';
/** The types counted at the EHR before and after the journey. */
const EHR_TYPES = [
  'Patient',
  'Practitioner',
  'Condition',
  'Consent',
  'CarePlan',
  'Goal',
  'Task',
  'CareTeam',
  'Encounter',
  'Provenance',
  'DocumentReference',
];
const dirs: string[] = [];
let ours: ServerProcess;
/** A: the third-party EHR. */
let thirdParty: ServerProcess;
/** B: ccm-fhir with the app, launched from A. */
let appOnThird: ServerProcess;
let browser: Browser;

/** A free TCP port on 127.0.0.1 (the app's origin must be known before the third-party EHR registers it). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function tempDir(name: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `ccm-app-${name}-`));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ours = await startServer({ DATA_DIR: tempDir('a') }, { timeoutMs: 60000 });
  // B: a third-party EHR (another process) where the app at A is registered as a confidential client.
  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const clientsB = path.join(tempDir('b-conf'), 'clients.json');
  writeFileSync(
    clientsB,
    JSON.stringify({
      clients: [
        {
          client_id: APP_AT_EHR,
          client_name: 'CCM care manager (hosted elsewhere)',
          token_endpoint_auth_methods: ['client_secret_basic'],
          client_secret_sha256: createHash('sha256').update(THIRD_PARTY_SECRET).digest('hex'),
          redirect_uris: [`${appOrigin}/app/callback`],
          launch_uri: `${appOrigin}/app/launch`,
          grant_types: ['authorization_code', 'refresh_token'],
          scope: USER_SCOPES,
        },
      ],
    }),
  );
  thirdParty = await startEhrProcess({ DATA_DIR: tempDir('b'), SMART_CLIENTS_FILE: clientsB });
  // B trusts A's id_tokens (EHR_ISSUERS_FILE) and the app at B is registered at A (SMART_APP_CLIENTS_FILE).
  const conf = tempDir('c-conf');
  const trusted = path.join(conf, 'ehr-issuers.json');
  writeFileSync(
    trusted,
    JSON.stringify({
      ehrs: [
        {
          name: 'clinic',
          iss: thirdParty.base,
          jwks_uri: `${thirdParty.origin}/auth/jwks`,
          id_token_audience: APP_AT_EHR,
          write_back: true,
        },
      ],
    }),
  );
  const issuersA = path.join(conf, 'issuers.json');
  writeFileSync(
    issuersA,
    JSON.stringify({
      issuers: [{ iss: thirdParty.base, client_id: APP_AT_EHR, client_secret: THIRD_PARTY_SECRET }],
    }),
  );
  appOnThird = await startServer(
    {
      DATA_DIR: tempDir('c'),
      PORT: String(appPort),
      SMART_APP_CLIENTS_FILE: issuersA,
      EHR_ISSUERS_FILE: trusted,
      DEMO_DATA: 'false',
    },
    { timeoutMs: 60000 },
  );
  browser = await launchChromium();
}, 180000);

afterAll(async () => {
  await browser?.close();
  for (const p of [ours, thirdParty, appOnThird]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every resource of the patient of these types, read through the FHIR API with a backend token. */
async function patientResources(fhirBase: string, patient: string, query: string): Promise<Resource[]> {
  const token = await getBackendToken(fhirBase);
  const res = await fetch(`${fhirBase}/${query.replace('{p}', patient)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const bundle = (await res.json()) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}

/** A search at a server, read with a fresh backend token of its demo EHR client. */
async function search(fhirBase: string, query: string): Promise<Resource[]> {
  return patientResources(fhirBase, '', query);
}

/** `$validate` errors of a resource against the profiles it claims. */
async function errorsOf(fhirBase: string, resource: Resource): Promise<string[]> {
  const token = await getBackendToken(fhirBase);
  const res = await fetch(`${fhirBase}/${resource.resourceType}/$validate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  const outcome = (await res.json()) as { issue: Array<{ severity: string; diagnostics?: string }> };
  return outcome.issue.filter((i) => i.severity === 'error').map((i) => i.diagnostics ?? '');
}

/** The whole clinician journey for one patient, from a signed-in EHR page. */
async function journey(page: Page, ehrOrigin: string, clientId: string, tag: string): Promise<void> {
  await ehrLaunchApp(page, ehrOrigin, 'demo-patient-1', clientId);
  await shot(page, `${tag}-conditions`);
  await attest(page, 'demo-patient-1-cond-1');
  await attest(page, 'demo-patient-1-cond-2');
  await verbalConsent(page, 'Practitioner/demo-pr-1');
  await shot(page, `${tag}-consent`);
  await carePlanSteps(page);
  await shot(page, `${tag}-care-plan`);
  await runTimer(page);
  await manualEntry(page, -25, -13);
  await manualEntry(page, -12, -3);
  await page.waitForSelector('.progress-box >> text=99490 reached');
  await shot(page, `${tag}-time`);
  await page.setViewportSize({ width: 1024, height: 800 });
  await shot(page, `${tag}-time-1024`);
}

/** Checks through the FHIR API that what the journey wrote exists and validates. */
async function expectWritten(fhirBase: string): Promise<void> {
  const conditions = (await patientResources(fhirBase, 'demo-patient-1', 'Condition?patient={p}')).filter(
    (c) => c.meta?.profile?.includes(PROFILE.condition),
  );
  expect(conditions.map((c) => c.id).sort()).toEqual(['demo-patient-1-cond-1', 'demo-patient-1-cond-2']);
  const consents = await patientResources(fhirBase, 'demo-patient-1', 'Consent?patient={p}');
  expect(consents).toHaveLength(1);
  const entries = await patientResources(fhirBase, 'demo-patient-1', 'Encounter?patient={p}&class=VR');
  expect(entries).toHaveLength(3);
  const plans = await patientResources(fhirBase, 'demo-patient-1', 'CarePlan?patient={p}');
  expect(plans.length).toBeGreaterThanOrEqual(1);
  const goals = await patientResources(fhirBase, 'demo-patient-1', 'Goal?patient={p}');
  expect(goals.length).toBeGreaterThanOrEqual(2);
  const tasks = await patientResources(fhirBase, 'demo-patient-1', 'Task?patient={p}');
  expect(tasks.length).toBeGreaterThanOrEqual(1);
  for (const r of [...conditions, ...consents, ...entries, ...plans, ...tasks]) {
    expect(r.meta?.profile?.length).toBeGreaterThan(0);
    expect(await errorsOf(fhirBase, r)).toEqual([]);
  }
  for (const g of goals) expect(await errorsOf(fhirBase, g)).toEqual([]);
}

describe('the clinician app in Chromium', () => {
  test('(1) launched from our /ehr: conditions, consent, care plan and time to 99490; all valid FHIR', async () => {
    // The manual entries lie in the last 25 minutes: they belong to this month unless it began since.
    expect(sameMonthFor(-25)).toBe(true);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, errors } = await watchedPage(context);
    await ehrSignIn(page, ours.origin);
    await journey(page, ours.origin, 'ccm-app', 'ours');
    expect(errors).toEqual([]);
    await expectWritten(ours.base);
    await context.close();
  }, 240000);

  test('(2) launched by a third-party EHR: the chart is read there, the CCM record is kept in ccm-fhir', async () => {
    const before = await countByType(thirdParty, EHR_TYPES);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, errors } = await watchedPage(context);
    await ehrSignIn(page, thirdParty.origin);
    await ehrLaunchApp(page, thirdParty.origin, 'demo-patient-1', APP_AT_EHR);
    expect(new URL(page.url()).origin).toBe(appOnThird.origin);
    await shot(page, 'two-servers-conditions');
    const B = appOnThird.base;
    const A = thirdParty.base;
    const [patient, ...others] = await search(
      B,
      `Patient?identifier=${encodeURIComponent(`${A}/Patient|demo-patient-1`)}`,
    );
    expect(others).toEqual([]);
    const [me] = await search(
      B,
      `Practitioner?identifier=${encodeURIComponent(`${A}/Practitioner|demo-pr-1`)}`,
    );
    expect(me?.id).toBeDefined();
    const mirrored = await search(B, `Condition?patient=${patient.id}`);
    expect(mirrored.map((c) => c.meta?.source).sort()).toEqual(
      ['1', '2', '3'].map((n) =>
        expect.stringMatching(new RegExp(`^${A}/Condition/demo-patient-1-cond-${n}(/_history/.+)?$`)),
      ),
    );
    const condId = (n: number) =>
      mirrored.find((c) => c.meta?.source?.includes(`/Condition/demo-patient-1-cond-${n}`))?.id as string;
    await attest(page, condId(1));
    await attest(page, condId(2));
    await verbalConsent(page, `Practitioner/${me.id}`);
    await carePlanSteps(page);
    await shot(page, 'two-servers-care-plan');
    await runTimer(page);
    await manualEntry(page, -25, -13);
    await manualEntry(page, -12, -3);
    await page.waitForSelector('.progress-box >> text=99490 reached');
    await shot(page, 'two-servers-time');
    await page.click("text=Write the month's summary note");
    await page.waitForSelector('.flash-success >> text=Note kept in ccm-fhir and sent to the EHR.');
    await shot(page, 'two-servers-note');
    // The EHR's visit by the signed-in practitioner was mirrored at launch: the month bills in ccm-fhir.
    expect(await page.inputValue('#note-text')).toContain('Codes met: 99490');
    expect(errors).toEqual([]);

    // B holds the whole CCM record, valid against its profiles, with Provenance naming the EHR user.
    const of = (q: string) => search(B, q.replace('{p}', patient.id as string));
    const attested = (await of('Condition?patient={p}')).filter((c) =>
      c.meta?.profile?.includes(PROFILE.condition),
    );
    expect(attested.map((c) => c.id).sort()).toEqual([condId(1), condId(2)].sort());
    const consents = await of('Consent?patient={p}');
    const entries = await of('Encounter?patient={p}&class=VR');
    const plans = await of('CarePlan?patient={p}');
    const goals = await of('Goal?patient={p}');
    const tasks = await of('Task?patient={p}');
    const notes = await of('DocumentReference?patient={p}');
    expect([consents.length, entries.length, notes.length]).toEqual([1, 3, 1]);
    expect(plans.length).toBeGreaterThanOrEqual(1);
    expect(goals.length).toBeGreaterThanOrEqual(2);
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    for (const r of [...attested, ...consents, ...entries, ...plans, ...tasks]) {
      expect(r.meta?.profile?.length).toBeGreaterThan(0);
      expect(await errorsOf(B, r)).toEqual([]);
    }
    for (const r of [...goals, ...notes]) expect(await errorsOf(B, r)).toEqual([]);
    const provenance = await search(B, `Provenance?agent=Practitioner/${me.id}`);
    const targets = provenance.flatMap((p) => (p as Provenance).target.map((t) => t.reference ?? ''));
    expect(targets).toContain(`Patient/${patient.id}`);
    expect(targets.some((t) => t.startsWith(`CarePlan/${plans[0].id}`))).toBe(true);
    // Every write the journey made has its Provenance naming the linked user.
    expect(targets).toEqual(
      expect.arrayContaining([
        `Condition/${condId(1)}`,
        `Condition/${condId(2)}`,
        `Consent/${consents[0].id}`,
        ...entries.map((e) => `Encounter/${e.id}`),
        ...plans.map((r) => `CarePlan/${r.id}`),
      ]),
    );

    // A received nothing but the note.
    const after = await countByType(thirdParty, EHR_TYPES);
    expect(after).toEqual({ ...before, DocumentReference: before.DocumentReference + 1 });
    const writes = await writesSeen(thirdParty);
    expect(writes).toEqual([{ method: 'POST', path: '/fhir/DocumentReference', status: 201 }]);

    // A second launch for the same patient reuses the same B patient and mirrors nothing twice.
    await ehrLaunchApp(page, thirdParty.origin, 'demo-patient-1', APP_AT_EHR);
    await expect(page.textContent('.context-line, .patient-banner')).resolves.toContain('Maria Alvarez');
    const again = await search(B, `Patient?identifier=${encodeURIComponent(`${A}/Patient|demo-patient-1`)}`);
    expect(again.map((p) => p.id)).toEqual([patient.id]);
    expect((await of('Condition?patient={p}')).length).toBe(mirrored.length);
    await context.close();
  }, 300000);

  test('(3) launch failures show a clear page with a status', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const bad = await page.goto(`${ours.origin}/app/callback?code=x&state=forged`);
    expect(bad?.status()).toBe(400);
    await expect(page.textContent('h1')).resolves.toBe('This sign-in link is not valid');
    await shot(page, 'error-state');
    const stranger = await page.goto(
      `${ours.origin}/app/launch?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=1`,
    );
    expect(stranger?.status()).toBe(403);
    await expect(page.textContent('h1')).resolves.toBe('This EHR is not allowed');
    await ehrSignIn(page, ours.origin, 'lindqvist');
    await page.goto(`${ours.origin}/ehr?patient=demo-patient-2`);
    await page.selectOption('#client_id', 'ccm-app');
    await Promise.all([
      page.waitForURL(/\/auth\//),
      page.click('form[action$="/ehr/launch"] button[type=submit]'),
    ]);
    const [denied] = await Promise.all([
      page.waitForResponse(/\/app\/callback/),
      page.click('button[value=deny]'),
    ]);
    expect(denied.status()).toBe(403);
    await expect(page.textContent('h1')).resolves.toBe('Access was not allowed');
    await shot(page, 'error-denied');
    const expired = await page.goto(`${ours.origin}/app/p/unknown-launch-key/time`);
    expect(expired?.status()).toBe(401);
    await expect(page.textContent('h1')).resolves.toBe('Your session has ended');
    await context.close();
  }, 120000);

  test('(4) two tabs with two patients log time to the right patient', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const tab1 = await watchedPage(context);
    const tab2 = await watchedPage(context);
    await ehrSignIn(tab1.page, ours.origin, 'lindqvist');
    await ehrLaunchApp(tab1.page, ours.origin, 'demo-patient-4', 'ccm-app');
    await ehrLaunchApp(tab2.page, ours.origin, 'demo-patient-5', 'ccm-app');
    await tab1.page.click('nav >> text=Time');
    await tab1.page.click('text=Start timer');
    await manualEntry(tab2.page, -6, -1);
    await tab1.page.waitForFunction(
      () => (document.getElementById('timer-clock')?.textContent ?? '') >= '00:00:01',
    );
    await tab1.page.click('text=Stop and save');
    await tab1.page.waitForSelector('.flash-success >> text=Time entry saved');
    await expect(tab1.page.textContent('.context-line, .patient-banner')).resolves.toContain('Robert Okafor');
    await expect(tab2.page.textContent('.context-line, .patient-banner')).resolves.toContain('Helen Schmidt');
    const p4 = await patientResources(ours.base, 'demo-patient-4', 'Encounter?patient={p}&class=VR');
    const p5 = await patientResources(ours.base, 'demo-patient-5', 'Encounter?patient={p}&class=VR');
    expect(p4).toHaveLength(1);
    expect(p5).toHaveLength(1);
    expect((p4[0] as { length?: { value?: number } }).length?.value).toBeLessThan(1);
    expect((p5[0] as { length?: { value?: number } }).length?.value).toBe(5);
    expect([...tab1.errors, ...tab2.errors]).toEqual([]);
    await context.close();
  }, 120000);
});
