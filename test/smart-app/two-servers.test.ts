/**
 * The clinician app launched by another EHR (#18): the token exchange at ccm-fhir, the chart mirror, where
 * reads and writes go, the note write-back and the renewal of an expired ccm-fhir token.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { launchBase } from './support.js';
import { launchFromEhr, startPair, type Pair } from './two-servers.js';

let p: Pair;
beforeAll(async () => {
  p = await startPair();
}, 60000);
afterAll(() => p?.close());

describe('a launch from another EHR', () => {
  test('lands on the conditions of the linked ccm-fhir patient, mirrored from the EHR', async () => {
    const page = await launchFromEhr(p);
    expect(/role="alert">([^<]*)/.exec(page.text)?.[1] ?? '').toBe('');
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/app\/p\/[^/]+\/conditions$/);
    launchBase(page.url);
    const linked = await p.search(
      'ccm',
      `Patient?identifier=${encodeURIComponent(`${p.ehr.base}/Patient|demo-patient-1`)}`,
    );
    expect(linked).toHaveLength(1);
  });
});
