/**
 * `$reindex` at [base]/$reindex (every type with pending search parameters) and [base]/[type]/$reindex
 * (that type, pending parameters or not: its index is extracted again): asynchronous only, in the shape of
 * Bulk Data's kick-off (export.html#bulk-data-kick-off-request): `Prefer: respond-async` is required (400
 * otherwise), a pending job is recorded and the answer is 202 Accepted with the status URL in
 * Content-Location; the job runner (runner.ts) does the work, status.ts reports on it. Only a `system/`
 * token that writes SearchParameter may call it (access/operation-checks.ts); the job belongs to its
 * client.
 */
import { randomUUID } from 'node:crypto';
import type { OperationDefinition, Parameters } from 'fhir/r4.js';
import { CCM_BASE } from '../../ccm/vocabulary.js';
import { notifyQueued } from '../bulk/signal.js';
import type { OperationCall, OperationSpec } from '../operations.js';
import { badRequest, informational } from '../outcomes.js';
import { parsePrefer } from '../preconditions.js';
import type { FhirResponse } from '../request.js';
import { reindexJobsOf, type ReindexJob } from './jobs.js';
import { reindexStatusUrl } from './urls.js';

export const REINDEX_DEFINITION = `${CCM_BASE}/OperationDefinition/reindex`;

/** The body may be empty or a Parameters resource without parameters: the operation takes none. */
function checkBody(body: unknown): void {
  if (body === undefined) return;
  const p = body as Parameters;
  if (p?.resourceType !== 'Parameters')
    throw badRequest('The $reindex body, when sent, must be a Parameters resource');
  if ((p.parameter ?? []).length > 0) {
    throw badRequest('$reindex takes no parameters', 'Parameters.parameter[0]', 'not-supported');
  }
}

async function kickOff(call: OperationCall): Promise<FhirResponse> {
  const { services, req } = call;
  if (!parsePrefer(req.headers.prefer).respondAsync) {
    throw badRequest(
      '$reindex is asynchronous: send Prefer: respond-async, then poll the Content-Location URL',
      undefined,
      'required',
    );
  }
  checkBody(req.body);
  const params = services.runtimeParams;
  await params?.ready();
  const types = call.level === 'type' ? [call.type as string] : (params?.pendingTypes() ?? []);
  const path = req.segments.map(encodeURIComponent).join('/').replace(/%24/g, '$');
  const job: ReindexJob = {
    _id: randomUUID(),
    state: 'pending',
    level: call.level === 'type' ? 'type' : 'system',
    request: `${services.baseUrl}/${path}`,
    types,
    progress: Object.fromEntries(types.map((t) => [t, { state: 'queued', done: 0, total: 0 }])),
    ...(req.auth ? { clientId: req.auth.clientId, subject: req.auth.subject } : {}),
    createdAt: services.clock().toISOString(),
  };
  await reindexJobsOf(services.store).insertOne(job);
  const url = reindexStatusUrl(services.baseUrl, job._id);
  params?.noteJob(types, url);
  notifyQueued(services, 'reindex');
  const what = types.length > 0 ? types.join(', ') : 'no type (no search parameter is pending)';
  return {
    status: 202,
    headers: { 'content-location': url },
    body: informational(
      `Reindex job ${job._id} accepted for ${what}; poll its status at the Content-Location URL`,
    ),
  };
}

/** The OperationDefinition of `$reindex` (served from the store with the other conformance resources). */
export const reindexOperationDefinition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'reindex',
  url: REINDEX_DEFINITION,
  version: '0.1.0',
  name: 'Reindex',
  title: 'Index existing resources for search parameters registered at run time',
  status: 'active',
  kind: 'operation',
  publisher: 'ccm-fhir',
  description:
    'Extracts the search index of every current resource of the types with pending search parameters ' +
    '(system level) or of one type (type level), in chunks, and makes the pending parameters active when a ' +
    "type is done. Asynchronous only (Prefer: respond-async): 202 with the job's status URL in " +
    'Content-Location; GET it for progress (202 with X-Progress) and the result (200), DELETE it to cancel. ' +
    'Needs a system scope that writes SearchParameter.',
  affectsState: true,
  code: 'reindex',
  system: true,
  type: true,
  instance: false,
  parameter: [
    {
      name: 'return',
      use: 'out',
      min: 0,
      max: '1',
      documentation: 'An OperationOutcome naming the job; its status URL is in Content-Location',
      type: 'OperationOutcome',
    },
  ],
};

/** The `$reindex` operation at system and type level. */
export function reindexOperation(): OperationSpec {
  return {
    name: 'reindex',
    levels: ['system', 'type'],
    methods: ['POST'],
    definition: REINDEX_DEFINITION,
    operationDefinition: reindexOperationDefinition,
    documentation:
      'Asynchronous (Prefer: respond-async): indexes the resources stored before a SearchParameter was ' +
      'registered at run time; the parameter answers (and is listed here) once its type is done. Status at ' +
      '[base]/reindex-status/[job]: 202 with X-Progress while running, 200 when complete, DELETE cancels.',
    handler: kickOff,
  };
}
