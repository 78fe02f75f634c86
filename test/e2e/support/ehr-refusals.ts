/**
 * Test support: what a real EHR refuses of a SMART app (Epic's CarePlan/Goal/Task APIs are read and search
 * only: 405; Consent, Encounter, Condition, Provenance, ... writes need an interface the app does not have:
 * 403). Only DocumentReference (and Binary) may be created; a transaction or batch is refused whole.
 */
import type { OperationOutcome } from 'fhir/r4.js';

/** A write request the test EHR saw, and its answer (0 until answered). */
export interface WriteSeen {
  method: string;
  path: string;
  status: number;
}

/** The types whose interactions are read/search only (405 Method Not Allowed). */
const READ_ONLY = new Set(['CarePlan', 'Goal', 'Task', 'CareTeam']);
/** The types an app may create at this EHR. */
const WRITABLE = new Set(['DocumentReference', 'Binary']);

/** The refusal of a request to `{base}{path}`, or undefined when the EHR lets it through. */
export function refusalOf(
  method: string,
  path: string,
): { status: 403 | 405; outcome: OperationOutcome } | undefined {
  if (method === 'GET' || method === 'HEAD') return undefined;
  const [type, id] = path.split('?')[0].replace(/^\/+/, '').split('/');
  if (method === 'POST' && WRITABLE.has(type) && id === undefined) return undefined;
  const status = READ_ONLY.has(type) ? 405 : 403;
  const what = type === '' ? 'Transactions and batches are' : `${method} of ${type} is`;
  return {
    status,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: status === 405 ? 'not-supported' : 'forbidden',
          diagnostics: `${what} not available to apps at this EHR.`,
        },
      ],
    },
  };
}
