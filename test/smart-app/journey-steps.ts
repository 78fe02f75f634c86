/**
 * Browser steps of the clinician app journey (playwright-core, headless Chromium): sign in at an EHR's
 * /ehr, launch the app for a patient, attest conditions, record verbal consent, run the timer and add
 * manual time. Each step waits for what the page shows, never for a time.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { monthOf } from '../../server/ccm/time/zone.js';
import { ROOT } from '../helpers/server-process.js';

export { launchChromium } from '../helpers/chromium.js';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const TZ = 'America/New_York';

/** A page that records console errors and uncaught exceptions. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(120000); // a busy machine: wait for what the page shows, however long it takes
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Only the app's pages: the EHR simulator and the authorization server are not under test here.
    if (m.type() === 'error' && new URL(m.location().url || page.url()).pathname.startsWith('/app/'))
      errors.push(`${m.text()} (${m.location().url})`);
  });
  return { page, errors };
}

/** Saves a screenshot under test-artifacts/. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `smart-app-${name}.png`), fullPage: true });
}

/** Signs in to an EHR's /ehr as a demo user (password `ccm-demo-<name>`). */
export async function ehrSignIn(page: Page, ehrOrigin: string, user = 'okonkwo'): Promise<void> {
  await page.goto(`${ehrOrigin}/ehr`);
  await page.fill('#username', user);
  await page.fill('#password', `ccm-demo-${user}`);
  await Promise.all([page.waitForURL(`${ehrOrigin}/ehr`), page.click('button[type=submit]')]);
}

/** From a signed-in /ehr: opens the patient's chart, launches the app and allows access. */
export async function ehrLaunchApp(
  page: Page,
  ehrOrigin: string,
  patient: string,
  clientId: string,
): Promise<void> {
  await page.goto(`${ehrOrigin}/ehr?patient=${patient}`);
  await page.selectOption('#client_id', clientId);
  await Promise.all([
    page.waitForURL(/\/auth\//),
    page.click('form[action$="/ehr/launch"] button[type=submit]'),
  ]);
  await Promise.all([page.waitForURL(/\/app\/(p\/[^/]+\/conditions|callback)/), page.click('button[value=approve]')]);
  if (!/\/app\/p\/[^/]+\/conditions/.test(page.url())) {
    const said = await page.locator('h1, .error-message').allInnerTexts();
    throw new Error(`the launch ended on ${page.url()}: ${said.join(' | ')}`);
  }
}

/** Attests a condition (both criteria) on the Conditions screen. */
export async function attest(page: Page, conditionId: string): Promise<void> {
  await page.click('nav >> text=Conditions and eligibility');
  await page.check(`#dur-${conditionId}`);
  await page.check(`#risk-${conditionId}`);
  await page.click(`#condition-${conditionId} button[type=submit]`);
  await page.waitForSelector('.flash-success >> text=Attestation saved');
}

/** Records verbal consent, everything explained, accepted, with a billing practitioner. */
export async function verbalConsent(page: Page, practitioner: string): Promise<void> {
  await page.click('nav >> text=Consent');
  await page.check('#method-verbal');
  for (const e of ['service-available', 'cost-sharing', 'one-practitioner-per-month', 'stop-any-time'])
    await page.check(`#el-${e}`);
  await page.check('#decision-accepted');
  await page.selectOption('#practitioner', practitioner);
  // Consent obtained an hour ago and documented now: the time entries below lie between it and now.
  await page.fill('#obtained', localInput(-60));
  await page.click('text=Save consent');
  await page.waitForSelector('.flash-success >> text=Consent recorded: accepted.');
}

/** Starts the timer, waits until its clock shows two seconds, reloads (it keeps running), stops it. */
export async function runTimer(page: Page): Promise<void> {
  await page.click('nav >> text=Time');
  await page.selectOption('#timer-activity', 'phone-call');
  await page.click('text=Start timer');
  await page.waitForFunction(() => (document.getElementById('timer-clock')?.textContent ?? '') >= '00:00:02');
  await page.reload();
  await page.waitForSelector('#timer-clock');
  await page.click('text=Stop and save');
  await page.waitForSelector('.flash-success >> text=Time entry saved');
}

/** `YYYY-MM-DDTHH:MM` on the practice wall clock, `minutes` from now. */
export function localInput(minutesFromNow: number): string {
  const d = new Date(Date.now() + minutesFromNow * 60000);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(d);
  const f = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${f('year')}-${f('month')}-${f('day')}T${f('hour')}:${f('minute')}`;
}

/** True when now and `minutes` from now fall in the same practice month (entries must stay in one month). */
export function sameMonthFor(minutes: number): boolean {
  return monthOf(Date.now(), TZ) === monthOf(Date.now() + minutes * 60000, TZ);
}

/** Adds a manual entry from `from` to `to` minutes from now (negative: in the past, after the consent). */
export async function manualEntry(
  page: Page,
  from: number,
  to: number,
  role = 'clinical-staff',
): Promise<void> {
  await page.click('nav >> text=Time');
  await page.fill('#entry-start', localInput(from));
  await page.fill('#entry-end', localInput(to));
  await page.selectOption('#entry-activity', 'care-coordination');
  await page.selectOption('#entry-role', role);
  await page.click('text=Add entry');
  await page.waitForSelector('.flash-success >> text=Time entry saved');
}
