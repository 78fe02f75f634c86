/**
 * The two token sources of a launch: the EHR's (its SMART client state, refreshed when about to expire;
 * SMART App Launch 2.2 app-launch.html "Refresh access token") and ccm-fhir's (from the token exchange; when
 * it is about to expire the EHR token is refreshed, which brings a new id_token, and exchanged again). One
 * renewal runs at a time per launch: refresh tokens rotate, so two parallel refreshes would spend one twice.
 */
import type { fhirclient } from 'fhirclient/lib/types.js';
import { FhirReadError, type TokenSource } from '../fhir-api.js';
import { refreshToken } from '../refresh.js';
import type { LaunchRecord } from '../sessions.js';
import { ExchangeError, type CcmToken, type ExchangeInput } from './exchange.js';

/** Renew a token this long before it expires (ms). */
const EARLY_MS = 30000;

/** Exchanges the EHR's current tokens for a ccm-fhir token. */
export type Exchanger = (input: ExchangeInput) => Promise<CcmToken>;

/** Runs `renew` unless another renewal of the launch is running (then waits for that one instead). */
async function single(record: LaunchRecord, stillNeeded: () => boolean, renew: () => Promise<void>) {
  while (record.renewing) await record.renewing.catch(() => undefined);
  if (!stillNeeded()) return;
  const p = renew();
  record.renewing = p;
  try {
    await p;
  } finally {
    if (record.renewing === p) record.renewing = undefined;
  }
}

/** True when the EHR's access token expires within EARLY_MS. */
function ehrExpiring(state: fhirclient.ClientState, now: number): boolean {
  return (state.expiresAt ?? Number.POSITIVE_INFINITY) * 1000 - EARLY_MS < now;
}

/** Refreshes the EHR token of the launch; a refusal is the EHR's 401, an unreachable server its 0. */
async function refreshEhr(record: LaunchRecord): Promise<void> {
  try {
    record.client = await refreshToken(record.client);
  } catch (err) {
    if (err instanceof FhirReadError) throw new FhirReadError(err.status, err.message, 'ehr');
    throw err;
  }
}

/** The EHR's token source of a launch. */
export function ehrTokens(record: LaunchRecord, now: () => number = Date.now): TokenSource {
  return {
    role: 'ehr',
    serverUrl: () => record.client.serverUrl,
    async accessToken() {
      if (ehrExpiring(record.client, now()) && record.client.tokenResponse?.refresh_token)
        await single(
          record,
          () => ehrExpiring(record.client, now()),
          () => refreshEhr(record),
        );
      const t = record.client.tokenResponse?.access_token;
      if (!t) throw new FhirReadError(401, 'The launch has no EHR access token.', 'ehr');
      return t;
    },
  };
}

/** The exchange input of the launch's current EHR tokens. */
export function exchangeInput(record: LaunchRecord): ExchangeInput {
  const tr = record.client.tokenResponse ?? {};
  const idToken = typeof tr.id_token === 'string' ? tr.id_token : '';
  return {
    idToken,
    ehrAccessToken: tr.access_token ?? '',
    ehrPatient: record.context.ehrPatientId,
  };
}

/** An exchange refusal as a FhirReadError of ccm-fhir (0 unreachable, 401 refused). */
export function exchangeFailure(err: unknown): unknown {
  if (!(err instanceof ExchangeError)) return err;
  if (err.status === 503 && err.error === 'temporarily_unavailable')
    return new FhirReadError(0, err.description, 'ehr');
  return new FhirReadError(err.status === 0 ? 0 : 401, err.description || err.message, 'ccm');
}

/** ccm-fhir's token source of a launch (another EHR launched the app). */
export function ccmTokens(
  record: LaunchRecord,
  exchange: Exchanger,
  now: () => number = Date.now,
): TokenSource {
  const expiring = () => (record.ccm?.expiresAt ?? 0) - EARLY_MS < now();
  return {
    role: 'ccm',
    serverUrl: () => record.ccm?.serverUrl ?? record.context.ccmUrl,
    async accessToken() {
      if (expiring()) {
        await single(record, expiring, async () => {
          if (!record.client.tokenResponse?.refresh_token)
            throw new FhirReadError(401, 'The EHR sign-in has expired and cannot be renewed.', 'ehr');
          await refreshEhr(record);
          try {
            record.ccm = await exchange(exchangeInput(record));
          } catch (err) {
            throw exchangeFailure(err);
          }
        });
      }
      const t = record.ccm?.accessToken;
      if (!t) throw new FhirReadError(401, 'The launch has no ccm-fhir token.', 'ccm');
      return t;
    },
  };
}
