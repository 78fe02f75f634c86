/**
 * Patient/[id]/$everything (R4 patient-operation-everything.html): the patient, every resource in the
 * patient's compartment, and the resources those refer to that are outside any patient compartment
 * (practitioners, organizations, locations, medications...), as a searchset with paging. Parameters:
 * `_since` (only resources changed at or after that instant), `_type` (only these types), `_count` (page
 * size); `start` / `end` (care dates) are not supported and are ignored, or a 400 under strict handling.
 */
import type { Parameters } from 'fhir/r4.js';
import type { FhirResponse } from '../request.js';
import { badRequest, notFound } from '../outcomes.js';
import type { OperationCall, OperationSpec } from '../operations.js';
import type { IgnoredParam } from '../search/ir.js';
import { dateRange } from '../search/date-range.js';
import { pageHolder } from '../search/page-token.js';
import { inCompartment, patientCompartmentTypes, typesOf } from './compartment.js';
import { isStrict, parseFor, runSearch } from './search.js';

const PAGING = new Set(['_count', '_page', '_offset', '_format', '_pretty']);

/** The operation's parameters: the query, plus a Parameters body on POST. */
function paramsOf(call: OperationCall): Array<[string, string]> {
  const out = [...call.req.query];
  const body = call.req.body as Parameters | undefined;
  if (call.req.method === 'POST' && body?.resourceType === 'Parameters') {
    for (const p of body.parameter ?? []) {
      const v =
        p.valueInstant ??
        p.valueDateTime ??
        p.valueString ??
        p.valueCode ??
        p.valueInteger ??
        p.valueUnsignedInt;
      if (v !== undefined) out.push([p.name, String(v)]);
    }
  }
  return out;
}

/** Runs $everything for one patient. */
async function everything(call: OperationCall): Promise<FhirResponse> {
  const { services, req } = call;
  const id = call.id as string;
  const patient = await services.resources.read('Patient', id);
  if (!patient || patient.deleted) throw notFound(`Patient/${id.slice(0, 64)} is not known`);
  const strict = isStrict(req);
  const params = paramsOf(call);
  const compartment = patientCompartmentTypes(services.registry);
  const typeParam = params.find(([k]) => k === '_type')?.[1];
  const types = typesOf(typeParam, compartment);
  const since = params.find(([k]) => k === '_since')?.[1];
  if (since !== undefined && !dateRange(since))
    throw badRequest(`_since must be an instant, not ${since.slice(0, 40)}`);
  const selection: Array<[string, string]> = since ? [['_lastUpdated', `ge${since}`]] : [];
  const ignored: IgnoredParam[] = [];
  for (const [name, value] of params) {
    if (name === '_type' || name === '_since' || PAGING.has(name)) continue;
    const reason = `${name} is not supported by $everything`;
    if (strict)
      throw badRequest(`Parameter '${name}' cannot be applied: ${reason}`, undefined, 'not-supported');
    ignored.push({ name, value, reason });
  }
  const control = params.filter(([k]) => PAGING.has(k));
  const irs = types.map((t) => inCompartment(parseFor(services, t, [...selection, ...control], strict), id));
  const applied: Array<[string, string]> = [];
  if (since !== undefined) applied.push(['_since', since]);
  if (typeParam !== undefined) applied.push(['_type', typeParam]);
  const inCompartmentType = new Set(compartment);
  return runSearch(services, {
    path: `Patient/${encodeURIComponent(id)}/$everything`,
    irs,
    control,
    applied,
    ignored,
    strict,
    holder: pageHolder(req.auth),
    extraIncludes: [{ source: '*', param: '*', iterate: false }],
    allowIncludedType: (t) => !inCompartmentType.has(t),
  });
}

/** The $everything operation on Patient instances. */
export const everythingOperation: OperationSpec = {
  name: 'everything',
  levels: ['instance'],
  types: ['Patient'],
  methods: ['GET', 'POST'],
  definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
  handler: everything,
};
