/**
 * What the clinician app writes is accepted by the server and counted by the engine: attestations
 * (ccm-condition), consents and their revocation (ccm-consent), time entries from the timer and by hand
 * (ccm-time-entry). Each write is read back through the FHIR API and checked with `$validate`; a refused
 * write shows what to fix and keeps the form's input.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Condition, Consent, Encounter, Bundle } from 'fhir/r4.js';
import { EXTENSION, PROFILE } from '../../server/ccm/vocabulary.js';
import { localInputValue } from '../../smart-app/ccm/resources.js';
import { Browser } from '../helpers/smart-browser.js';
import { testClock } from '../helpers/smart-app.js';
import { getBackendToken } from '../helpers/smart-token.js';
import {
  csrfOf,
  ehrLaunch,
  fhirGet,
  launchBase,
  listen,
  postMultipart,
  validationErrors,
  type Listening,
} from './support.js';

const TZ = 'America/New_York'; // the practice time zone of the app under test
const ALL_ELEMENTS = ['service-available', 'cost-sharing', 'one-practitioner-per-month', 'stop-any-time'];
// 2026-11-20 12:00 in New York (EST, UTC-5).
const clock = testClock(Date.parse('2026-11-20T17:00:00Z'));
let s: Listening;
let b: Browser;
let base: string;
let token: string;

beforeAll(async () => {
  s = await listen({ clock: clock.now });
  b = new Browser();
  base = launchBase((await ehrLaunch(b, s.origin, 'demo-patient-1')).url);
  token = await getBackendToken(s.base);
});
afterAll(async () => s?.close());

async function csrf(path: string): Promise<string> {
  return csrfOf((await b.go(`${base}${path}`)).text);
}

async function search<T>(path: string): Promise<T[]> {
  token = await getBackendToken(s.base); // Backend Services tokens live 300 s of the test clock
  const bundle = await fhirGet<Bundle>(s.base, token, path);
  return (bundle.entry ?? []).map((e) => e.resource as T);
}

describe('conditions', () => {
  test('an attestation is a Condition update under ccm-condition that the engine counts', async () => {
    const page = await b.go(`${base}/conditions/demo-patient-1-cond-1/attest`, {
      form: { _csrf: await csrf('/conditions'), expectedDuration: 'yes', significantRisk: 'yes' },
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Attestation saved for Diabetes mellitus type 2.');
    const c = await fhirGet<Condition>(s.base, token, 'Condition/demo-patient-1-cond-1');
    expect(c.meta?.profile).toContain(PROFILE.condition);
    const ext = c.extension?.find((e) => e.url === EXTENSION.chronicAttestation);
    expect(ext?.extension?.map((e) => [e.url, e.valueBoolean ?? e.valueReference?.reference])).toEqual([
      ['expectedDuration', true],
      ['significantRisk', true],
      ['attestedBy', 'Practitioner/demo-pr-1'],
      ['attestedOn', undefined],
    ]);
    expect(await validationErrors(s.base, token, c)).toEqual([]);
    expect(page.text).toMatch(/Diabetes mellitus<\/td><td>E11\.9<\/td><td>yes<\/td><td>yes/);
  });
});

describe('consent', () => {
  test('an accepted consent that misses an element is refused; the form keeps its input', async () => {
    const res = await postMultipart(b, `${base}/consent`, [
      ['_csrf', await csrf('/consent')],
      ['method', 'verbal'],
      ['elements', 'service-available'],
      ['elements', 'cost-sharing'],
      ['decision', 'accepted'],
      ['practitioner', 'Practitioner/demo-pr-1'],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('The FHIR server refused the change');
    expect(html).toMatch(/ccm-consent-2/);
    expect(html).toMatch(/id="el-service-available" name="elements" value="service-available" checked/);
    expect(html).toMatch(/id="el-stop-any-time" name="elements" value="stop-any-time">/);
    expect(html).toMatch(/value="Practitioner\/demo-pr-1" selected/);
    expect(await search<Consent>('Consent?patient=demo-patient-1')).toEqual([]);
  });

  test('written consent needs the signed document; with it, it is stored and valid', async () => {
    const fields: Array<[string, string]> = [
      ['_csrf', await csrf('/consent')],
      ['method', 'written'],
      ...ALL_ELEMENTS.map((e): [string, string] => ['elements', e]),
      ['decision', 'accepted'],
      ['practitioner', 'Practitioner/demo-pr-1'],
    ];
    const refused = await postMultipart(b, `${base}/consent`, fields);
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toMatch(/ccm-consent-1/);
    expect(html).toMatch(/id="method-written" name="method" value="written" checked/);
    const pdf = { name: 'signed.pdf', type: 'application/pdf', body: Buffer.from('%PDF-1.4 demo consent') };
    const ok = await postMultipart(b, `${base}/consent`, fields, pdf);
    expect(ok.status).toBe(303);
    const [consent] = await search<Consent>('Consent?patient=demo-patient-1');
    expect(consent.sourceAttachment?.contentType).toBe('application/pdf');
    expect(Buffer.from(consent.sourceAttachment?.data ?? '', 'base64').toString()).toBe(
      '%PDF-1.4 demo consent',
    );
    expect(consent.status).toBe('active');
    expect(await validationErrors(s.base, token, consent)).toEqual([]);
  });

  test('revocation takes effect at the end of the month and the engine reads it so', async () => {
    const [consent] = await search<Consent>('Consent?patient=demo-patient-1');
    const page = await b.go(`${base}/consent/${consent.id}/revoke`, {
      form: { _csrf: await csrf('/consent') },
    });
    expect(page.text).toContain('Consent revoked, effective 2026-11-30.');
    const revoked = await fhirGet<Consent>(s.base, token, `Consent/${consent.id}`);
    expect(revoked.status).toBe('inactive');
    expect(revoked.provision?.period?.end).toBe('2026-11-30');
    expect(revoked.dateTime).toBe(consent.dateTime);
    expect(revoked.extension?.some((e) => e.url.endsWith('ccm-consent-revoked') && e.valueDateTime)).toBe(
      true,
    );
    expect(await validationErrors(s.base, token, revoked)).toEqual([]);
    const elig = await b.go(`${base}/conditions`);
    expect(elig.text).toContain('Consent: <strong>revoked-this-month</strong>');
  });

  test('consent obtained in the future is refused and keeps the input', async () => {
    const res = await postMultipart(b, `${base}/consent`, [
      ['_csrf', await csrf('/consent')],
      ['method', 'verbal'],
      ...ALL_ELEMENTS.map((e): [string, string] => ['elements', e]),
      ['decision', 'accepted'],
      ['practitioner', 'Practitioner/demo-pr-1'],
      ['obtained', localInputValue(clock.now().getTime() + 10 * 60000, TZ)],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Consent cannot be recorded as obtained in the future.');
    expect(html).toContain(`value="${localInputValue(clock.now().getTime() + 10 * 60000, TZ)}"`);
    const stored = (await search<Consent>('Consent?patient=demo-patient-1')).filter(
      (c) => c.status === 'active',
    );
    expect(stored).toEqual([]);
  });

  test('verbal consent accepted, obtained at the time given', async () => {
    clock.advance(60);
    const obtained = localInputValue(clock.now().getTime(), TZ);
    const res = await postMultipart(b, `${base}/consent`, [
      ['_csrf', await csrf('/consent')],
      ['method', 'verbal'],
      ...ALL_ELEMENTS.map((e): [string, string] => ['elements', e]),
      ['decision', 'accepted'],
      ['practitioner', 'Practitioner/demo-pr-1'],
      ['obtained', obtained],
    ]);
    expect(res.status).toBe(303);
    const active = (await search<Consent>('Consent?patient=demo-patient-1')).filter(
      (c) => c.status === 'active',
    );
    expect(active.map((c) => c.dateTime?.slice(0, 16))).toEqual([obtained]);
    const page = await b.go(`${base}/consent`);
    expect(page.text).toContain('Consent recorded: accepted.');
    expect(page.text).toMatch(/class="consent-status">accepted</);
  });
});

describe('time', () => {
  test('the timer survives reloads and is saved as a valid time entry', async () => {
    clock.advance(60);
    await b.go(`${base}/time/start`, {
      form: { _csrf: await csrf('/time'), activity: 'phone-call', role: 'clinical-staff' },
    });
    clock.advance(5 * 60 + 30);
    const running = await b.go(`${base}/conditions`).then(() => b.go(`${base}/time`));
    expect(running.text).toContain('data-started-at="2026-11-20T17:02:00.000Z"');
    expect(running.text).toContain('>00:05:30<');
    expect(running.text).toContain('<script src="/app/static/timer.js" defer></script>');
    const stopped = await b.go(`${base}/time/stop`, {
      form: { _csrf: csrfOf(running.text), conditions: 'Condition/demo-patient-1-cond-1' },
    });
    expect(stopped.text).toContain('Time entry saved: 5 min 30 s.');
    expect(stopped.text).toContain('5 of 20 minutes toward 99490');
    expect(stopped.text).toContain('14 min 30 s to 99490');
    const [entry] = await search<Encounter>('Encounter?patient=demo-patient-1&class=VR');
    expect(entry.length?.value).toBe(5.5);
    expect(entry.reasonReference).toEqual([{ reference: 'Condition/demo-patient-1-cond-1' }]);
    expect(entry.participant?.[0]?.individual?.reference).toBe('Practitioner/demo-pr-1');
    expect(await validationErrors(s.base, token, entry)).toEqual([]);
  });

  test('a manual entry that ends in the future is refused and keeps its input', async () => {
    // The test clock is 17:07Z = 12:07 in New York: an entry until 12:30 has not been spent yet.
    const page = await b.go(`${base}/time/entries`, {
      form: {
        _csrf: await csrf('/time'),
        start: '2026-11-20T12:10',
        end: '2026-11-20T12:30',
        activity: 'phone-call',
        role: 'clinical-staff',
      },
    });
    expect(page.status).toBe(422);
    expect(page.text).toContain('The end is in the future: time can only be logged once it has been spent.');
    expect(page.text).toContain('value="2026-11-20T12:30"');
    expect(await search<Encounter>('Encounter?patient=demo-patient-1&class=VR')).toHaveLength(1);
  });

  test('a manual entry that ends before it starts is refused and keeps its input', async () => {
    clock.advance(45 * 60); // 12:52 in New York: the entries below lie in the past
    const page = await b.go(`${base}/time/entries`, {
      form: {
        _csrf: await csrf('/time'),
        start: '2026-11-20T12:40',
        end: '2026-11-20T12:30',
        activity: 'record-review',
        role: 'clinical-staff',
      },
    });
    expect(page.status).toBe(422);
    expect(page.text).toContain('The FHIR server refused the change');
    expect(page.text).toContain('value="2026-11-20T12:40"');
    expect(page.text).toContain('value="2026-11-20T12:30"');
    expect(page.text).toMatch(/<option value="record-review" selected>/);
  });

  test('manual entries add up to 99490 with the progress toward 99439', async () => {
    await b.go(`${base}/time/entries`, {
      form: {
        _csrf: await csrf('/time'),
        start: '2026-11-20T12:20',
        end: '2026-11-20T12:30',
        activity: 'care-coordination',
        role: 'clinical-staff',
      },
    });
    const page = await b.go(`${base}/time/entries`, {
      form: {
        _csrf: await csrf('/time'),
        start: '2026-11-20T12:40:00',
        end: '2026-11-20T12:45:00',
        activity: 'record-review',
        role: 'billing-practitioner',
      },
    });
    expect(page.text).toContain('20 of 40 minutes toward 99439');
    expect(page.text).toContain('99490 reached');
    expect(page.text).toContain('19 min 30 s to 99439');
    expect(page.text).toContain('month summary from the server');
    expect(page.text).toContain('Programme: <strong>CCM 99490</strong>');
    const entries = await search<Encounter>('Encounter?patient=demo-patient-1&class=VR');
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(await validationErrors(s.base, token, e)).toEqual([]);
  });

  test('an entry overlapping one of the same person is saved, counted once and flagged on the time screen', async () => {
    const page = await b.go(`${base}/time/entries`, {
      form: {
        _csrf: await csrf('/time'),
        start: '2026-11-20T12:25',
        end: '2026-11-20T12:35',
        activity: 'care-coordination',
        role: 'clinical-staff',
      },
    });
    expect(page.text).toContain('Time entry saved: 10 minutes.');
    // 20 min 30 s before + 10 min, of which 5 overlap 12:20-12:30: 25 min 30 s counted
    expect(page.text).toContain('25 of 40 minutes toward 99439');
    expect(page.text).toMatch(
      /<li>⚠ Encounter\/[^ ]+ overlaps Encounter\/[^ ]+ by the same person \(300 s\)/,
    );
    expect(await search<Encounter>('Encounter?patient=demo-patient-1&class=VR')).toHaveLength(4);
  });
});
