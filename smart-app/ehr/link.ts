/**
 * Linking a launch from another EHR to ccm-fhir, right after the EHR callback: the token exchange (the
 * launch context's patient and user become the linked ccm-fhir ones, the EHR's kept beside them), then the
 * mirror of the EHR's Patient demographics and Conditions into ccm-fhir in one transaction (mirror.ts).
 * A failure here is a page (LaunchError); the launch is not kept.
 */
import type { Condition, Encounter, Patient, Practitioner } from 'fhir/r4.js';
import { ehrSystem } from '../../server/ccm/ehr-link/identity.js';
import type { FhirApi } from '../context.js';
import { FhirReadError, httpFhirApi } from '../fhir-api.js';
import { LaunchError } from '../launch.js';
import type { LaunchRecord } from '../sessions.js';
import { summarisePatient } from '../shell.js';
import { ExchangeError } from './exchange.js';
import { transactRecorded } from '../ccm/recorded-write.js';
import { mirrorBundle } from './mirror.js';
import { ccmTokens, ehrTokens, exchangeInput, type Exchanger } from './tokens.js';

/** The page of a refused or failed token exchange. */
export function exchangePage(err: ExchangeError): LaunchError {
  if (err.status === 503 && err.error === 'temporarily_unavailable')
    return new LaunchError({
      status: 503,
      title: 'The EHR could not be reached',
      message: `ccm-fhir could not check this sign-in with the EHR: ${err.description}`,
      hint: 'Try again in a few minutes; if it keeps happening, tell your administrator.',
    });
  if (err.status === 0)
    return new LaunchError({
      status: 503,
      title: 'ccm-fhir could not be reached',
      message:
        'The app could not reach ccm-fhir, where it keeps the CCM record, so it cannot open this patient.',
      hint: 'Try again in a few minutes; if it keeps happening, tell your administrator.',
    });
  if (err.error === 'invalid_client' || err.error === 'unauthorized_client')
    return new LaunchError({
      status: 502,
      title: 'The app is not registered at ccm-fhir',
      message: `ccm-fhir refused the app's own credential (${err.error}): ${err.description}`,
      hint: 'An administrator must register the app at ccm-fhir for the token exchange.',
    });
  return new LaunchError({
    status: 403,
    title: 'ccm-fhir does not accept this EHR sign-in',
    message: `ccm-fhir refused the sign-in from this EHR (${err.error}): ${err.description}`,
    hint: "Only EHRs in ccm-fhir's list of trusted issuers can open the app. Ask your administrator to add this EHR.",
  });
}

/** The user's display name from a Practitioner. */
function practitionerName(p: Practitioner | undefined): string | undefined {
  const n = p?.name?.[0];
  if (!n) return undefined;
  return n.text ?? ([...(n.prefix ?? []), ...(n.given ?? []), n.family ?? ''].join(' ').trim() || undefined);
}

/** Exchanges the EHR's tokens for a ccm-fhir token and moves the launch context to the linked ids. */
async function exchange(record: LaunchRecord, exchanger: Exchanger): Promise<void> {
  if (!exchangeInput(record).idToken)
    throw new LaunchError({
      status: 403,
      title: 'The EHR did not say who you are',
      message: 'The EHR sign-in came without an id_token (scopes openid and fhirUser), which ccm-fhir needs.',
      hint: 'Ask your EHR administrator to grant the app the openid and fhirUser scopes.',
    });
  try {
    record.ccm = await exchanger(exchangeInput(record));
  } catch (err) {
    if (err instanceof ExchangeError) throw exchangePage(err);
    throw err;
  }
  record.context.patientId = record.ccm.patient;
  if (record.ccm.fhirUser) record.context.fhirUser = record.ccm.fhirUser;
  else delete record.context.fhirUser;
}

/** Months of EHR encounters mirrored at launch: the initiating-visit window (12 months before CCM starts) and more. */
const ENCOUNTER_MONTHS = 15;

/**
 * The patient's EHR encounters of the last ENCOUNTER_MONTHS months (the billing engine's initiating visit);
 * none when the EHR token may not read encounters (403): panel sync (`npm run sync`) brings them then.
 */
async function recentEncounters(ehr: FhirApi, patient: string, now: Date): Promise<Encounter[]> {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - ENCOUNTER_MONTHS);
  try {
    return await ehr.search<Encounter>(
      'Encounter',
      { patient, date: `ge${since.toISOString().slice(0, 10)}`, _count: '200' },
      1000,
    );
  } catch (err) {
    if (err instanceof FhirReadError && err.status === 403) return [];
    throw err;
  }
}

/** Links a launch from another EHR: exchange, then the chart mirror; throws LaunchError or FhirReadError. */
export async function linkLaunch(
  record: LaunchRecord,
  opts: { exchange: Exchanger; now: () => Date },
): Promise<void> {
  await exchange(record, opts.exchange);
  const ctx = record.context;
  const ehr = httpFhirApi(ehrTokens(record));
  const ccm = httpFhirApi(ccmTokens(record, opts.exchange));
  const [ehrPatient, ehrConditions, ehrEncounters, who] = await Promise.all([
    ehr.read<Patient>('Patient', ctx.ehrPatientId),
    ehr.search<Condition>('Condition', { patient: ctx.ehrPatientId, _count: '200' }, 1000),
    recentEncounters(ehr, ctx.ehrPatientId, opts.now()),
    ctx.ehrFhirUser?.startsWith('Practitioner/') && !ctx.userName
      ? ehr.read<Practitioner>('Practitioner', ctx.ehrFhirUser.slice(13)).catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  if (!ctx.userName) {
    const name = practitionerName(who);
    if (name) ctx.userName = name;
  }
  if (!ctx.fhirUser)
    throw new FhirReadError(403, 'ccm-fhir did not link the signed-in user to a Practitioner.', 'ccm');
  const [linked, mirrored, mirroredEncounters] = await Promise.all([
    ccm.read<Patient>('Patient', ctx.patientId),
    ccm.search<Condition>('Condition', { patient: ctx.patientId, _count: '200' }, 1000),
    ccm.search<Encounter>(
      'Encounter',
      { patient: ctx.patientId, identifier: `${ehrSystem(ctx.ehrIss, 'Encounter')}|`, _count: '200' },
      1000,
    ),
  ]);
  const bundle = mirrorBundle({
    iss: ctx.ehrIss,
    ehrPatient,
    ehrConditions,
    linked,
    mirrored,
    ehrEncounters,
    mirroredEncounters,
    ...(ctx.ehrFhirUser ? { ehrUser: ctx.ehrFhirUser } : {}),
    agent: ctx.fhirUser,
    now: opts.now(),
  });
  if (bundle) await transactRecorded(ccm, bundle);
  record.patient = summarisePatient(ehrPatient);
}
