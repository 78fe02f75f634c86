/**
 * #18 acceptance 3: `npm run sync` (scripts/sync/run.ts, as the CLI runs it) from process A (a listening
 * ccm-fhir playing the EHR, Backend Services with private_key_jwt, Patient/$export) into B (ccm-fhir over
 * HTTP with the importer's credentials). Twice in a row: the same counts, nothing duplicated, no new
 * version; an increment (`_since`) carries only what changed; B's $ccm-eligibility sees the synced patients
 * as it sees its own identical ones; a later launch's token exchange finds the synced Patient.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Condition, Parameters, Provenance, Resource } from 'fhir/r4.js';
import { exportJWK } from 'jose';
import { ehrSystem } from '../../server/ccm/ehr-link/identity.js';
import type { EhrIssuer } from '../../server/ccm/ehr-link/issuers.js';
import { DEFAULT_RETRY } from '../../scripts/import/retry.js';
import { TokenSource } from '../../scripts/import/token-source.js';
import { runSync, type SyncSummary } from '../../scripts/sync/run.js';
import {
  ehrAccessToken,
  ehrIdToken,
  exchange,
  issuerFor,
  startListening,
  type Ehr,
} from '../helpers/ehr-pair.js';
import { clientKey } from '../helpers/smart-assertion.js';
import { mintToken } from '../helpers/smart-app.js';
import { DEMO_EHR } from '../helpers/smart-token.js';

let ehr: Ehr;
let ccm: Ehr;
let issuer: EhrIssuer;
let dir: string;
let statePath: string;
const types = ['Patient', 'Condition', 'Encounter'] as const;

beforeAll(async () => {
  const key = await clientKey('ES384');
  ehr = await startListening({
    extraClients: [
      {
        client_id: 'ccm-sync',
        token_endpoint_auth_methods: ['private_key_jwt'],
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
        jwks: { keys: [key.publicJwk] },
      },
    ],
  });
  const privateJwk = { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: 'ES384' as const };
  issuer = issuerFor(ehr, { backend: { clientId: 'ccm-sync', privateJwk, scope: 'system/*.rs' } });
  ccm = await startListening({ ehrIssuers: [issuer] });
  dir = mkdtempSync(path.join(tmpdir(), 'ehr-sync-'));
  statePath = path.join(dir, 'state.json');
});

afterAll(async () => {
  await ccm?.close();
  await ehr?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One sync run into B with the demo EHR client's Backend Services credentials (as FHIR_CLIENT_ID would). */
function sync(full = false): Promise<SyncSummary> {
  const auth = new TokenSource(
    ccm.base,
    {
      kind: 'client',
      clientId: DEMO_EHR.clientId,
      secret: DEMO_EHR.secret,
      scope: 'system/*.cruds',
      source: 'test',
    },
    DEFAULT_RETRY,
    { retries: 0 },
  );
  return runSync({ issuer, base: ccm.base, auth, statePath, full, chunk: 4 });
}

async function systemGet(server: Ehr, url: string): Promise<unknown> {
  const token = await mintToken(server.app.smart, 'system/*.rs', { clientId: 'demo-ehr', sub: 'demo-ehr' });
  const res = await fetch(`${server.base}/${url}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

/** B's resources of `type` linked to A (every page). */
async function mirrors(type: string): Promise<Resource[]> {
  const bundle = (await systemGet(
    ccm,
    `${type}?identifier=${encodeURIComponent(`${ehrSystem(ehr.base, type)}|`)}&_count=1000`,
  )) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}

async function countAt(server: Ehr, type: string): Promise<number> {
  return ((await systemGet(server, `${type}?_summary=count`)) as Bundle).total ?? -1;
}

describe('npm run sync from an EHR', () => {
  let first: SyncSummary;

  it('loads the panel: every exported record linked once, with its source and a Provenance', async () => {
    first = await sync();
    for (const type of types) {
      const atEhr = await countAt(ehr, type);
      expect({ type, exported: first.exported[type] }).toEqual({ type, exported: atEhr });
      expect({ type, ...first.counts[type] }).toEqual({
        type,
        created: atEhr,
        updated: 0,
        unchanged: 0,
        skipped: 0,
      });
      expect((await mirrors(type)).length).toBe(atEhr);
    }
    const patients = new Map((await mirrors('Patient')).map((p) => [p.id, p]));
    for (const c of (await mirrors('Condition')) as Condition[]) {
      expect(patients.has(c.subject?.reference?.replace('Patient/', ''))).toBe(true);
      expect(c.meta?.source).toMatch(new RegExp(`^${ehr.base}/Condition/[^/]+/_history/\\d+$`));
    }
    const condition = (await mirrors('Condition'))[0] as Condition;
    const prov = (await systemGet(ccm, `Provenance?target=Condition/${condition.id}`)) as Bundle;
    const provenance = prov.entry?.[0]?.resource as Provenance;
    expect(provenance.entity?.map((e) => e.what.reference)).toContain(condition.meta?.source);
    expect(provenance.agent[0]?.who?.identifier?.value).toBe(ehr.base);
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
      ehrs: Record<string, { transactionTime: string }>;
    };
    expect(state.ehrs.clinic?.transactionTime).toBe(first.transactionTime);
  });

  it('is idempotent: a second full run changes nothing and adds no version', async () => {
    const before = await Promise.all(types.map((t) => countAt(ccm, t)));
    const second = await sync(true);
    for (const type of types) {
      expect({ type, ...second.counts[type] }).toEqual({
        type,
        created: 0,
        updated: 0,
        unchanged: first.exported[type],
        skipped: 0,
      });
    }
    expect(await Promise.all(types.map((t) => countAt(ccm, t)))).toEqual(before);
    for (const type of types)
      for (const r of await mirrors(type)) expect({ type, v: r.meta?.versionId }).toEqual({ type, v: '1' });
  });

  it('syncs only what changed since the last run, linked to the patient synced before', async () => {
    const token = await mintToken(ehr.app.smart, 'system/*.cruds', { clientId: 'demo-ehr', sub: 'demo-ehr' });
    const res = await fetch(`${ehr.base}/Condition?_count=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const original = ((await res.json()) as Bundle).entry?.[0]?.resource as Condition;
    const put = await fetch(`${ehr.base}/Condition/${original.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...original, note: [{ text: 'changed at the EHR' }] }),
    });
    expect(put.status).toBe(200);
    const increment = await sync();
    expect(increment.since).toBeDefined();
    expect(increment.exported).toEqual({ Patient: 0, Condition: 1, MedicationRequest: 0, Encounter: 0 });
    expect(increment.counts.Condition).toEqual({ created: 0, updated: 1, unchanged: 0, skipped: 0 });
    const mirrored = ((await mirrors('Condition')) as Condition[]).find((c) =>
      c.identifier?.some((i) => i.value === original.id),
    );
    expect(mirrored?.note?.[0]?.text).toBe('changed at the EHR');
    expect(mirrored?.meta?.versionId).toBe('2');
    expect(mirrored?.meta?.source).toBe(`${ehr.base}/Condition/${original.id}/_history/2`);
  });

  it("B's eligibility sees a synced patient as it sees its own identical patient", async () => {
    const synced = (await mirrors('Patient')).find((p) =>
      (p as { identifier?: Array<{ value?: string }> }).identifier?.some((i) => i.value === 'demo-patient-1'),
    );
    expect(synced).toBeDefined();
    const eligibility = async (id: string) => {
      const out = (await systemGet(ccm, `Patient/${id}/$ccm-eligibility`)) as Parameters;
      const value = (name: string) => out.parameter?.filter((p) => p.name === name) ?? [];
      return {
        eligible: value('eligible')[0]?.valueBoolean,
        toReview: value('condition-to-review').length,
        notChronic: value('not-chronic').length,
      };
    };
    const mirror = await eligibility(synced?.id as string);
    expect(mirror).toEqual(await eligibility('demo-patient-1'));
    // The engine sees the synced conditions (here: chronic ones awaiting a clinician's attestation).
    expect(mirror.toReview + mirror.notChronic).toBeGreaterThan(0);
  });

  it('a later launch of the same EHR patient is linked to the synced Patient', async () => {
    const synced = (await mirrors('Patient')).find((p) =>
      (p as { identifier?: Array<{ value?: string }> }).identifier?.some((i) => i.value === 'demo-patient-2'),
    );
    const res = await exchange(ccm.app, {
      idToken: await ehrIdToken(ehr),
      actorToken: await ehrAccessToken(ehr.app.smart, 'demo-patient-2'),
      ehrPatient: 'demo-patient-2',
    });
    expect(res.status).toBe(200);
    expect(res.body.patient).toBe(synced?.id);
  });
});
