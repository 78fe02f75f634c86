/**
 * Reads at a trusted EHR with the app's EHR access token (the RFC 8693 actor token), for the token
 * exchange (#18). The URL is always `{configured iss}/{Type}/{id}` with a type and id checked against the
 * FHIR id grammar, so a caller can make ccm-fhir fetch nothing but FHIR reads under a trusted base (no
 * SSRF); redirects are refused, answers are bounded in time and size. The EHR vouches for the user's
 * access to the patient by answering the read (FHIR R4 http.html#read; SMART scopes at the EHR).
 */
import type { Resource } from 'fhir/r4.js';
import { invalidGrant, OAuthError } from '../../auth/errors.js';
import { ehrRecordUrl } from './identity.js';

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 1024 * 1024;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The outcome of a read: the resource, or the EHR's refusal (its HTTP status). */
export type EhrRead = { ok: true; resource: Resource } | { ok: false; status: number };

/** GET `{iss}/{type}/{id}` with the bearer `token`; EHR unreachable or failing (5xx) -> temporarily_unavailable. */
export async function readAtEhr(iss: string, type: string, id: string, token: string): Promise<EhrRead> {
  if (!/^[A-Z][A-Za-z]+$/.test(type) || !ID.test(id)) return { ok: false, status: 400 };
  let res: globalThis.Response;
  let text: string;
  try {
    res = await fetch(ehrRecordUrl(iss, type, id), {
      headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
    text = await res.text();
  } catch {
    throw new OAuthError('temporarily_unavailable', 'The EHR could not be reached', 503);
  }
  if (res.status >= 500)
    throw new OAuthError('temporarily_unavailable', `The EHR answered ${res.status}`, 503);
  if (res.status !== 200) return { ok: false, status: res.status };
  if (text.length > MAX_BYTES) return { ok: false, status: 413 };
  let resource: Resource;
  try {
    resource = JSON.parse(text) as Resource;
  } catch {
    return { ok: false, status: 502 };
  }
  if (resource?.resourceType !== type || resource.id !== id) return { ok: false, status: 502 };
  return { ok: true, resource };
}

/** The EHR Patient the actor token may read; invalid_grant naming the EHR's status when it refuses. */
export async function confirmPatientAtEhr(iss: string, patientId: string, token: string): Promise<Resource> {
  const read = await readAtEhr(iss, 'Patient', patientId, token);
  if (!read.ok)
    throw invalidGrant(
      `The EHR did not confirm access to this patient with the actor_token (${read.status})`,
    );
  return read.resource;
}
