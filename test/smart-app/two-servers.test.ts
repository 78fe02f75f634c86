/**
 * The clinician app launched by another EHR (#18), with A (the EHR) and B (ccm-fhir with the app) in this
 * process: the token exchange and the chart mirror at launch, where reads and writes go, the note
 * write-back, the renewal of an expired ccm-fhir token, and the failure modes (#18 acceptance 4): EHR
 * unreachable mid-session, ccm-fhir unreachable, an expired EHR token, an EHR token missing a scope, an
 * issuer ccm-fhir does not trust. Each failure is a clear page that keeps the user's input, and nothing is
 * half written.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Condition, DocumentReference, Encounter, Provenance, Resource } from 'fhir/r4.js';
import { formFields } from './care-plan-harness.js';
import { cookieFor, csrfOf, launchBase } from './support.js';
import { launchFromEhr, startPair, type Pair } from './two-servers.js';

const PROGNOSIS = 'Stable with monthly follow-up (two-server test).';

/** The alert of a page (error message or flash), '' without one. */
function alertOf(html: string): string {
  return /role="alert">([^<]*)/.exec(html)?.[1]?.trim() ?? '';
}

/** The linked B patient of A's demo-patient-1. */
async function linkedPatient(p: Pair): Promise<Resource[]> {
  const id = encodeURIComponent(`${p.ehr.base}/Patient|demo-patient-1`);
  return p.search('ccm', `Patient?identifier=${id}`);
}

/** Posts a form as the test browser (repeated fields kept), without following the redirect. */
async function post(p: Pair, url: string, form: URLSearchParams): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: form,
    headers: { cookie: cookieFor(p.browser, url), 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
}

/** The hidden fields of the "Try again" form of a failure page. */
function retryFields(html: string): URLSearchParams {
  const form = /<form method="post" action="([^"]+)" class="retry-form">([\s\S]*?)<\/form>/.exec(html);
  const decode = (v: string) =>
    v.replace(
      /&(lt|gt|quot|amp|#x27|#x60|#x3D);/g,
      (_m, e: string) =>
        ({ lt: '<', gt: '>', quot: '"', amp: '&', '#x27': "'", '#x60': '`', '#x3D': '=' })[e] ?? '',
    );
  const out = new URLSearchParams();
  for (const m of (form?.[2] ?? '').matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    out.append(decode(m[1]), decode(m[2]));
  return out;
}

describe('a launch from a trusted EHR', () => {
  let p: Pair;
  let base: string;
  beforeAll(async () => {
    p = await startPair();
  }, 60000);
  afterAll(() => p?.close());

  test('links the patient and the user, mirrors the chart with its source and a Provenance naming the user', async () => {
    const page = await launchFromEhr(p);
    expect(alertOf(page.text)).toBe('');
    expect(page.url).toMatch(/\/app\/p\/[^/]+\/conditions$/);
    base = launchBase(page.url);
    const [patient, ...more] = await linkedPatient(p);
    expect(more).toEqual([]);
    expect(page.text).toContain('Maria Alvarez');
    const conditions = (await p.search('ccm', `Condition?patient=${patient.id}`)) as Condition[];
    expect(conditions.map((c) => c.meta?.source?.replace(/\/_history\/.*$/, '')).sort()).toEqual(
      [1, 2, 3].map((n) => `${p.ehr.base}/Condition/demo-patient-1-cond-${n}`),
    );
    for (const c of conditions) expect(c.subject?.reference).toBe(`Patient/${patient.id}`);
    const [me] = await p.search(
      'ccm',
      `Practitioner?identifier=${encodeURIComponent(`${p.ehr.base}/Practitioner|demo-pr-1`)}`,
    );
    const provenance = (await p.search('ccm', `Provenance?agent=Practitioner/${me.id}`)) as Provenance[];
    expect(provenance).toHaveLength(1);
    expect(provenance[0].entity?.map((e) => e.what.reference?.replace(/\/_history\/.*$/, '')).sort()).toEqual(
      [
        ...[1, 2, 3].map((n) => `${p.ehr.base}/Condition/demo-patient-1-cond-${n}`),
        `${p.ehr.base}/Encounter/demo-patient-1-visit-1`,
      ],
    );
    // The EHR's recent visit is mirrored for the initiating-visit gate, the signed-in user's part linked.
    const visits = (await p.search('ccm', `Encounter?patient=${patient.id}`)) as Encounter[];
    expect(visits.map((v) => v.meta?.source?.replace(/\/_history\/.*$/, ''))).toEqual([
      `${p.ehr.base}/Encounter/demo-patient-1-visit-1`,
    ]);
    expect(visits[0].participant?.map((x) => x.individual?.reference)).toContain(`Practitioner/${me.id}`);
    // Every condition shown on the page is ccm-fhir's copy (its id), ready to attest there.
    for (const c of conditions) expect(page.text).toContain(`condition-${c.id}`);
  });

  test('an attestation is written to ccm-fhir and survives the next launch; nothing is mirrored twice', async () => {
    const [patient] = await linkedPatient(p);
    const conditions = (await p.search('ccm', `Condition?patient=${patient.id}`)) as Condition[];
    const target = conditions[0].id as string;
    const page = await p.browser.go(`${base}/conditions`);
    const res = await post(
      p,
      `${base}/conditions/${target}/attest`,
      new URLSearchParams({ _csrf: csrfOf(page.text), expectedDuration: 'yes', significantRisk: 'yes' }),
    );
    expect(res.status).toBe(303);
    const again = await launchFromEhr(p);
    expect(alertOf(again.text)).toBe('');
    expect((await linkedPatient(p)).map((r) => r.id)).toEqual([patient.id]);
    const after = (await p.search('ccm', `Condition?patient=${patient.id}`)) as Condition[];
    expect(after).toHaveLength(conditions.length);
    const attested = after.find((c) => c.id === target);
    expect(attested?.extension?.some((e) => e.url.endsWith('ccm-chronic-condition-attestation'))).toBe(true);
    expect(await p.search('ehr', 'Condition?patient=demo-patient-1&_count=0&_total=accurate')).toEqual([]);
    base = launchBase(again.url);
  });

  test('the care plan shows the medicines from the EHR; the plan and its Provenance are written to ccm-fhir only', async () => {
    await p.chart({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'Metformin 500 mg tablet' },
      subject: { reference: 'Patient/demo-patient-1' },
      dosageInstruction: [{ text: 'twice daily with meals' }],
    } as Resource);
    await p.chart({
      resourceType: 'AllergyIntolerance',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
        ],
      },
      code: { text: 'Penicillin' },
      patient: { reference: 'Patient/demo-patient-1' },
      reaction: [{ manifestation: [{ text: 'Hives' }] }],
    } as Resource);
    const edit = await p.browser.go(`${base}/care-plan`);
    expect(edit.status).toBe(200);
    const [patient] = await linkedPatient(p);
    expect(await p.search('ccm', `MedicationRequest?patient=${patient.id}`)).toEqual([]);
    expect(edit.text).toContain('Metformin 500 mg tablet: twice daily with meals');
    expect(edit.text).toContain('Penicillin: Hives');
    const form = formFields(edit.text, `${new URL(base).pathname}/care-plan`);
    form.set('prognosis', PROGNOSIS);
    const saved = await post(p, `${base}/care-plan`, form);
    expect(saved.status).toBe(303);
    const plans = await p.search('ccm', `CarePlan?patient=${patient.id}`);
    expect(plans).toHaveLength(1);
    const prov = (await p.search('ccm', `Provenance?target=CarePlan/${plans[0].id}`)) as Provenance[];
    expect(prov).toHaveLength(1);
    expect(prov[0].target.map((t) => t.reference)).toEqual([
      `CarePlan/${plans[0].id}`,
      `Patient/${patient.id}`,
    ]);
  });

  test('EHR unreachable mid-session: a clear page keeps the care plan input; "Try again" saves it once the EHR is back', async () => {
    const edit = await p.browser.go(`${base}/care-plan/edit`);
    const form = formFields(edit.text, `${new URL(base).pathname}/care-plan`);
    form.set('prognosis', `${PROGNOSIS} Revised while the EHR was down.`);
    const [patient] = await linkedPatient(p);
    const before = (await p.search('ccm', `CarePlan?patient=${patient.id}`))[0];
    p.ehr.down = true;
    const failed = await post(p, `${base}/care-plan`, form);
    const html = await failed.text();
    p.ehr.down = false;
    expect(failed.status).toBe(503);
    expect(html).toContain('The EHR could not be reached');
    expect(html).toContain('Revised while the EHR was down.');
    const after = (await p.search('ccm', `CarePlan?patient=${patient.id}`))[0];
    expect(after.meta?.versionId).toBe(before.meta?.versionId);
    const retry = await post(p, `${base}/care-plan`, retryFields(html));
    expect(retry.status).toBe(303);
    const revised = (await p.search('ccm', `CarePlan?patient=${patient.id}`))[0] as {
      description?: string;
      meta?: { versionId?: string };
    };
    expect(revised.meta?.versionId).not.toBe(before.meta?.versionId);
  });

  test('ccm-fhir unreachable: a clear page keeps the time entry; nothing is written until "Try again"', async () => {
    const time = await p.browser.go(`${base}/time`);
    const [patient] = await linkedPatient(p);
    const entry = new URLSearchParams({
      _csrf: csrfOf(time.text),
      start: '2026-01-05T09:00',
      end: '2026-01-05T09:17',
      activity: 'care-coordination',
      role: 'clinical-staff',
    });
    p.ccm.down = true;
    const failed = await post(p, `${base}/time/entries`, entry);
    const html = await failed.text();
    p.ccm.down = false;
    expect(failed.status).toBe(503);
    expect(html).toContain('ccm-fhir could not be reached');
    expect(html).toContain('2026-01-05T09:17');
    expect(await p.search('ccm', `Encounter?patient=${patient.id}&class=VR`)).toEqual([]);
    const retry = await post(p, `${base}/time/entries`, retryFields(html));
    expect(retry.status).toBe(303);
    expect(await p.search('ccm', `Encounter?patient=${patient.id}&class=VR`)).toHaveLength(1);
  });

  test('the month note is kept in ccm-fhir and sent to the EHR, once in ccm-fhir however often it is sent', async () => {
    const [patient] = await linkedPatient(p);
    const before = await p.search('ehr', 'DocumentReference?patient=demo-patient-1');
    const page = await p.browser.go(`${base}/time/note?month=2026-01`);
    expect(page.text).toContain('Minutes by person and activity');
    const send = () =>
      post(p, `${base}/time/note`, new URLSearchParams({ _csrf: csrfOf(page.text), month: '2026-01' }));
    expect((await send()).status).toBe(303);
    const shown = await p.browser.go(`${base}/time/note?month=2026-01`);
    expect(shown.text).toContain('Note kept in ccm-fhir and sent to the EHR.');
    expect((await send()).status).toBe(303);
    const kept = await p.search('ccm', `DocumentReference?patient=${patient.id}`);
    expect(kept).toHaveLength(1);
    const sent = await p.search('ehr', 'DocumentReference?patient=demo-patient-1');
    expect(sent.length).toBe(before.length + 2);
    const text = Buffer.from(
      (kept[0] as DocumentReference).content[0].attachment.data ?? '',
      'base64',
    ).toString('utf8');
    expect(text).toContain('17 min');
  });

  test('an expired EHR token: a clear page, and the posted input is listed to copy', async () => {
    const edit = await p.browser.go(`${base}/care-plan/edit`);
    const form = formFields(edit.text, `${new URL(base).pathname}/care-plan`);
    form.set('prognosis', 'Typed just before the EHR sign-in expired.');
    const [patient] = await linkedPatient(p);
    const before = (await p.search('ccm', `CarePlan?patient=${patient.id}`))[0];
    p.ehr.advance(13 * 3600); // past the EHR's access and refresh tokens
    const page = await p.browser.go(`${base}/care-plan`);
    expect(page.status).toBe(401);
    expect(page.text).toContain('Your EHR sign-in has expired');
    const failed = await post(p, `${base}/care-plan`, form);
    const html = await failed.text();
    expect(failed.status).toBe(401);
    expect(html).toContain('Typed just before the EHR sign-in expired.');
    expect(html).not.toContain('retry-form'); // trying again cannot help: open the app again from the EHR
    const after = (await p.search('ccm', `CarePlan?patient=${patient.id}`))[0];
    expect(after.meta?.versionId).toBe(before.meta?.versionId);
    const time = await p.browser.go(`${base}/time`);
    expect(time.status).toBe(200); // ccm-fhir's own screens still work with the ccm-fhir token
  });
});

describe('an EHR token without DocumentReference create', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({
      ehrScope: 'launch openid fhirUser online_access patient/*.rs user/Practitioner.rs',
    });
  }, 60000);
  afterAll(() => p?.close());

  test('the note is kept in ccm-fhir and offered for copy and print, not sent', async () => {
    const page = await launchFromEhr(p);
    const base = launchBase(page.url);
    const before = await p.search('ehr', 'DocumentReference');
    const note = await p.browser.go(`${base}/time/note`);
    expect(note.text).toContain('It is not sent to the EHR');
    expect(note.text).toContain('DocumentReference create');
    const res = await post(p, `${base}/time/note`, new URLSearchParams({ _csrf: csrfOf(note.text) }));
    expect(res.status).toBe(303);
    const [patient] = await linkedPatient(p);
    expect(await p.search('ccm', `DocumentReference?patient=${patient.id}`)).toHaveLength(1);
    expect(await p.search('ehr', 'DocumentReference')).toHaveLength(before.length);
    const printable = await p.browser.go(`${base}/time/note.html`);
    expect(printable.text).toContain('<h1>Chronic Care Management summary');
  });
});

describe('an EHR token that cannot read the chart', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({ ehrScope: 'launch openid fhirUser online_access patient/Patient.rs' });
  }, 60000);
  afterAll(() => p?.close());

  test('the launch ends on a clear page naming the missing access; no launch is kept', async () => {
    const page = await launchFromEhr(p);
    expect(page.status).toBe(403);
    expect(page.text).toContain('The EHR did not grant the app this access');
    expect(page.url).not.toMatch(/\/app\/p\//);
  });
});

describe('an EHR that ccm-fhir does not trust', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({ trustEhr: false });
  }, 60000);
  afterAll(() => p?.close());

  test('the launch ends on a clear page; no patient is linked in ccm-fhir', async () => {
    const page = await launchFromEhr(p);
    expect(page.status).toBe(403);
    expect(page.text).toContain('ccm-fhir does not accept this EHR sign-in');
    expect(await linkedPatient(p)).toEqual([]);
  });
});

describe('an expired ccm-fhir token', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({ ccmTokenSeconds: 31 });
  }, 60000);
  afterAll(() => p?.close());

  test('is renewed by refreshing the EHR token and exchanging its new id_token', async () => {
    const page = await launchFromEhr(p);
    const base = launchBase(page.url);
    const before = p.ehr.tokenRequests();
    // The token has 31 s; the app renews 30 s before expiry: wait until that second has passed.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const time = await p.browser.go(`${base}/time`);
    expect(time.status).toBe(200);
    expect(p.ehr.tokenRequests()).toBe(before + 1);
  });
});
