/**
 * Acceptance: the billing dashboard renders in headless Chromium with data. A small practice is written
 * into the store, the server listens on 127.0.0.1, a browser signs in as the demo biller, picks March 2026,
 * and the test reads the charts' data back from Chart.js, checks the tables, saves a screenshot under
 * test-artifacts/ and downloads the CSV with the same session.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { CcmScenario, enrolled } from '../helpers/ccm-scenarios.js';
import { storeAll } from '../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';
import { ROOT } from '../helpers/server-process.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
let t: TestApp;
let server: Server;
let origin: string;
let browser: Browser;
let page: Page;

type ChartWindow = {
  Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ data: number[] }> } } };
};

/** A small practice for March 2026 (expected dashboard numbers are worked out by hand below). */
function practice(): CcmScenario[] {
  return [
    enrolled('d-alice').time({ start: '2026-03-03T10:00:00-05:00', minutes: 45 }), // 99490 + 99439, bucket 40-59
    enrolled('d-bob').time({ start: '2026-03-04T10:00:00-05:00', minutes: 17 }), // 3:00 to 99490, bucket 10-19
    enrolled('d-carol').time({
      start: '2026-03-05T10:00:00-05:00',
      minutes: 32,
      role: 'billing-practitioner',
    }), // 99491, 30-39
    new CcmScenario('d-dave', { family: '<img src=x onerror=alert(1)>', given: 'Dave' })
      .condition('E11.9', { attested: true })
      .condition('I10', { attested: true })
      .consent({ at: '2026-01-05T10:00:00-05:00' })
      .visit({ at: '2025-12-10T09:00:00-05:00' })
      .time({ start: '2026-03-06T10:00:00-05:00', minutes: 25 }), // no care plan: gate failure, bucket 20-29
    new CcmScenario('d-erin', { family: 'Eligible', given: 'Erin' })
      .condition('E11.9', { attested: true })
      .condition('I50.9', { attested: true }), // attested, not enrolled
    enrolled('d-frank').time({ start: '2026-03-09T10:00:00-04:00', minutes: 62 }), // 99490 + 99439x2, bucket 60-89
  ];
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await makeTestApp({ clock: () => new Date('2026-03-28T15:00:00Z'), demo: true });
  await storeAll(
    t.services,
    practice().flatMap((s) => s.resources),
  );
  server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

describe('the CCM billing dashboard in Chromium', () => {
  test('sign-in is required; the demo biller signs in and lands on the month asked for', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${origin}/dashboard?month=2026-03`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.fill('input[name=username]', 'biller');
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    await expect(page.textContent('.error')).resolves.toContain('Wrong user name or password');
    expect(errors).toEqual([
      'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    errors.length = 0;
    await page.fill('input[name=password]', 'ccm-demo-biller');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-charts-ready="true"]');
    expect(page.url()).toBe(`${origin}/dashboard?month=2026-03`);
    expect(errors).toEqual([]);
  });

  test('the charts hold the minutes distribution and the patients per billable code', async () => {
    const chart = (id: string) =>
      page.evaluate((cid) => {
        const c = (window as unknown as ChartWindow).Chart.getChart(cid);
        return { labels: c.data.labels, values: c.data.datasets[0].data };
      }, id);
    expect(await chart('minutes-chart')).toEqual({
      labels: ['0-9 min', '10-19 min', '20-29 min', '30-39 min', '40-59 min', '60-89 min', '90+ min'],
      values: [0, 1, 1, 1, 1, 1, 0],
    });
    expect(await chart('codes-chart')).toEqual({ labels: ['99490', '99439', '99491'], values: [2, 2, 1] });
    const pixels = await page.evaluate(() => {
      const c = document.getElementById('codes-chart') as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
      return painted;
    });
    expect(pixels).toBeGreaterThan(1000);
  });

  test('the tables and figures match the practice', async () => {
    const rows = (id: string) =>
      page.$$eval(`#${id} tbody tr`, (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    expect(await page.textContent('#kpi-enrolled')).toBe('5');
    expect(await page.textContent('#kpi-billable')).toBe('3');
    expect(await rows('totals')).toEqual([
      ['99490', '2', '2'],
      ['99439', '3', '2'],
      ['99491', '1', '1'],
    ]);
    expect(await rows('close')).toEqual([['Patient Test', '99490', '17:00', '99490', '3:00']]);
    expect(await rows('eligible')).toEqual([
      ['Erin Eligible', 'Diabetes mellitus; Heart failure and cardiomyopathy', 'none'],
    ]);
    const failures = await rows('gate-failures');
    expect(failures).toHaveLength(1);
    expect(failures[0][0]).toBe('Dave <img src=x onerror=alert(1)>');
    expect(failures[0][1]).toBe('care-plan');
    expect(await page.$$('#gate-failures img')).toHaveLength(0);
    const link = await page.getAttribute('#gate-failures a', 'href');
    expect(link).toBe('/dashboard/patients/d-dave?month=2026-03');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  test('the gate-failure link opens the patient month; the CSV downloads with the session', async () => {
    await page.click('#gate-failures a');
    await page.waitForSelector('#gates');
    const gates = await page.$$eval('#gates tbody tr.fail td:first-child', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(gates).toEqual(['care-plan']);
    const csv = await page.context().request.get(`${origin}/dashboard/report.csv?month=2026-03`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(
      text
        .replace(/^\uFEFF/, '')
        .split('\r\n')[0]
        .split(',')[0],
    ).toBe('row_type');
    expect(text).toContain('Patient/d-frank');
  });
});
