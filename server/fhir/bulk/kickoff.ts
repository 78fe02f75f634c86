/**
 * The `$export` kick-off request (Bulk Data Access IG 2.0, export.html#bulk-data-kick-off-request) at
 * [base]/$export, [base]/Patient/$export and [base]/Group/[id]/$export: checks `Prefer: respond-async`
 * and the parameters, records a pending job and answers 202 Accepted with the status URL in
 * Content-Location (export.html#response---success). The job records the requesting client (the verified
 * token's client_id and sub, when SMART is enforced): status, cancel and file requests of other clients
 * answer 404 (status.ts). The job runner does the export.
 */
import { randomUUID } from 'node:crypto';
import type { Parameters } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from '../request.js';
import type { OperationCall, OperationSpec } from '../operations.js';
import { badRequest, informational, notFound } from '../outcomes.js';
import { parsePrefer } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import { jobsOf, type BulkJob, type ExportLevel } from './jobs.js';
import { notifyQueued } from './signal.js';
import { statusUrl } from './urls.js';

export const OUTPUT_FORMATS: ReadonlySet<string> = new Set([
  'application/fhir+ndjson',
  'application/ndjson',
  'ndjson',
]);
/** Parameters of the IG this server does not implement: an error unless `Prefer: handling=lenient`. */
const UNSUPPORTED: ReadonlySet<string> = new Set([
  '_elements',
  '_typeFilter',
  'includeAssociatedData',
  'organizeOutputBy',
  'allowPartialManifests',
]);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The kick-off parameters, from the query (GET) or a Parameters body (POST, export.html#query-parameters). */
function parametersOf(req: FhirRequest): Array<[string, string]> {
  if (req.method !== 'POST' || req.body === undefined) return req.query;
  const body = req.body as Parameters;
  if (body?.resourceType !== 'Parameters')
    throw badRequest('A POST kick-off body must be a Parameters resource');
  const out: Array<[string, string]> = [...req.query];
  for (const p of body.parameter ?? []) {
    const v =
      p.valueString ??
      p.valueInstant ??
      p.valueCode ??
      p.valueBoolean?.toString() ??
      p.valueReference?.reference;
    if (typeof v === 'string') out.push([p.name, v]);
  }
  return out;
}

/** The types of the Patient compartment (R4 compartmentdefinition-patient.html), plus Patient. */
export function compartmentTypes(services: FhirServices): string[] {
  return [...services.resourceTypes].filter(
    (t) => t === 'Patient' || services.registry.patientCompartmentParams(t).length > 0,
  );
}

/** `_type`: known types only; at Patient/Group level only types in the Patient compartment. */
function typesOf(
  services: FhirServices,
  raw: string[],
  level: ExportLevel,
  lenient: boolean,
): string[] | undefined {
  if (raw.length === 0) return undefined;
  const allowed = new Set(level === 'system' ? services.resourceTypes : compartmentTypes(services));
  const types = [
    ...new Set(
      raw
        .flatMap((v) => v.split(','))
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const bad = types.filter((t) => !allowed.has(t));
  if (bad.length > 0 && !lenient) {
    const why = level === 'system' ? 'not resource types of this server' : 'outside the Patient compartment';
    throw badRequest(
      `_type ${bad.join(',').slice(0, 200)}: ${why} (send Prefer: handling=lenient to ignore them)`,
      '_type',
      'not-supported',
    );
  }
  return types.filter((t) => allowed.has(t));
}

/** Patients of the `patient` parameter (`Patient/id` references). */
function patientsOf(values: string[]): string[] | undefined {
  if (values.length === 0) return undefined;
  return values.map((ref) => {
    const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
    if (!m)
      throw badRequest(`patient ${JSON.stringify(ref.slice(0, 80))} is not a Patient reference`, 'patient');
    return m[1];
  });
}

/** Reads and checks the kick-off parameters into a job's fields. */
function jobFields(call: OperationCall, level: ExportLevel): Pick<BulkJob, 'types' | 'since' | 'patients'> {
  const params = parametersOf(call.req);
  const lenient = /handling\s*=\s*lenient/.test(call.req.headers.prefer ?? '');
  const all = (name: string) => params.filter(([k]) => k === name).map(([, v]) => v);
  const format = all('_outputFormat')[0];
  if (format !== undefined && !OUTPUT_FORMATS.has(format)) {
    throw badRequest(
      `_outputFormat ${format.slice(0, 60)} is not supported; use application/fhir+ndjson`,
      '_outputFormat',
      'not-supported',
    );
  }
  const unsupported = params.filter(([k]) => UNSUPPORTED.has(k)).map(([k]) => k);
  if (unsupported.length > 0 && !lenient) {
    throw badRequest(
      `${unsupported.join(', ')} not supported by this server (send Prefer: handling=lenient to ignore)`,
      unsupported[0],
      'not-supported',
    );
  }
  const sinceRaw = all('_since')[0];
  if (sinceRaw !== undefined && (!INSTANT.test(sinceRaw) || Number.isNaN(Date.parse(sinceRaw)))) {
    throw badRequest(
      `_since must be a FHIR instant with a time zone, not ${JSON.stringify(sinceRaw.slice(0, 40))}`,
      '_since',
    );
  }
  const patients = patientsOf(all('patient'));
  if (patients && level === 'system')
    throw badRequest('patient applies to Patient and Group exports only', 'patient');
  return {
    types: typesOf(call.services, all('_type'), level, lenient),
    since: sinceRaw === undefined ? undefined : new Date(sinceRaw).toISOString(),
    patients,
  };
}

/** The kick-off URL as the client sent it (manifest `request`). */
function requestUrl(services: FhirServices, req: FhirRequest): string {
  const path = req.segments.map(encodeURIComponent).join('/').replace(/%24/g, '$');
  const qs = new URLSearchParams(req.query).toString();
  return `${services.baseUrl}/${path}${qs ? `?${qs}` : ''}`;
}

async function kickOff(call: OperationCall): Promise<FhirResponse> {
  const { services, req } = call;
  const level: ExportLevel = call.level === 'system' ? 'system' : call.level === 'type' ? 'patient' : 'group';
  if ((level === 'patient' && call.type !== 'Patient') || (level === 'group' && call.type !== 'Group')) {
    throw notFound(
      `$export is defined on the system, on Patient and on a Group instance (export.html), not here`,
    );
  }
  if (!parsePrefer(req.headers.prefer).respondAsync) {
    throw badRequest(
      '$export is asynchronous: send Prefer: respond-async (export.html#headers)',
      undefined,
      'required',
    );
  }
  const fields = jobFields(call, level);
  if (level === 'group') {
    const group = await services.resources.read('Group', call.id as string);
    if (!group || group.deleted) throw notFound(`Group/${call.id} is not known`);
  }
  const job: BulkJob = {
    _id: randomUUID(),
    state: 'pending',
    level,
    ...(level === 'group' ? { groupId: call.id } : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    request: requestUrl(services, req),
    // The requester owns the job (export.html#security-considerations; checked by status.ts).
    ...(req.auth ? { clientId: req.auth.clientId, subject: req.auth.subject } : {}),
    createdAt: services.clock().toISOString(),
  };
  await jobsOf(services.store).insertOne(job);
  notifyQueued(services);
  return {
    status: 202,
    headers: { 'content-location': statusUrl(services.baseUrl, job._id) },
    body: informational(`Export job ${job._id} accepted; poll its status at the Content-Location URL`),
  };
}

/** The `$export` operation at system, Patient type and Group instance level. */
export function bulkExportOperation(): OperationSpec {
  return {
    name: 'export',
    levels: ['system', 'type', 'instance'],
    types: ['Patient', 'Group'],
    methods: ['GET', 'POST'],
    definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
    handler: kickOff,
  };
}
