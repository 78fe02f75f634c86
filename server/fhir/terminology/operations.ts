/**
 * The terminology operations on what the server bundles (R4 terminology-service.html):
 * ValueSet/$expand (valueset-operation-expand.html: url or instance, filter, offset, count),
 * ValueSet/$validate-code (valueset-operation-validate-code.html) and CodeSystem/$lookup
 * (codesystem-operation-lookup.html). Nothing is forwarded to an external terminology server.
 */
import { randomUUID } from 'node:crypto';
import type { Coding, Parameters, ParametersParameter, Resource, ValueSet } from 'fhir/r4.js';
import type { OperationCall, OperationSpec } from '../operations.js';
import { badRequest, FhirError, gone, issue, notFound } from '../outcomes.js';
import type { FhirResponse } from '../request.js';
import type { FhirServices } from '../services.js';
import type { ExpansionEntry } from './expansion.js';
import { expandDefinition, lookupDefinition, validateCodeDefinition } from './operation-definitions.js';
import { integerParam, operationInput, type OperationInput } from './parameters.js';
import type { Terminology } from './terminology.js';

/** Largest page of an expansion. */
export const MAX_EXPANSION_COUNT = 1000;

/** The current version of a stored resource, or 404/410. */
export async function storedResource(services: FhirServices, type: string, id: string): Promise<Resource> {
  const doc = await services.resources.read(type, id);
  if (!doc) throw notFound(`${type}/${id} is not known`);
  if (doc.deleted || !doc.resource) throw gone(`${type}/${id} was deleted`);
  return doc.resource;
}

/** The ValueSet an operation acts on: the instance, a `valueSet` resource, or a bundled `url`. */
async function targetValueSet(
  call: OperationCall,
  input: OperationInput,
  terminology: Terminology,
): Promise<ValueSet> {
  if (call.level === 'instance')
    return (await storedResource(call.services, 'ValueSet', call.id as string)) as ValueSet;
  const posted = input.resource('valueSet');
  if (posted?.resourceType === 'ValueSet') return posted as ValueSet;
  const url = input.text('url');
  if (!url)
    throw badRequest(
      'Name the value set with the url parameter (or call the operation on an instance)',
      'url',
      'required',
    );
  const vs = terminology.valueSet(url);
  if (!vs) throw notFound(`Value set ${url} is not available on this server`);
  return vs;
}

function unprocessable(message: string): FhirError {
  return new FhirError(422, [issue('not-supported', message)]);
}

function matchesFilter(e: ExpansionEntry, filter: string | undefined): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return e.code.toLowerCase().includes(f) || (e.display ?? '').toLowerCase().includes(f);
}

async function expand(call: OperationCall, terminology: Terminology): Promise<FhirResponse> {
  const input = operationInput(call.req);
  const vs = await targetValueSet(call, input, terminology);
  const result =
    vs.url && terminology.valueSet(vs.url) === vs ? terminology.expandUrl(vs.url) : terminology.expand(vs);
  if ('error' in result) throw unprocessable(`The value set cannot be expanded here: ${result.error}`);
  const filter = input.text('filter');
  const offset = integerParam(input, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const count = integerParam(input, 'count', MAX_EXPANSION_COUNT, MAX_EXPANSION_COUNT);
  const all = result.entries.filter((e) => matchesFilter(e, filter));
  const parameter = [
    ...(filter ? [{ name: 'filter', valueString: filter }] : []),
    { name: 'offset', valueInteger: offset },
    { name: 'count', valueInteger: count },
  ];
  const { expansion: _old, text: _text, ...rest } = vs;
  const body: ValueSet = {
    ...rest,
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: call.services.clock().toISOString(),
      total: all.length,
      offset,
      parameter,
      contains: all
        .slice(offset, offset + count)
        .map((e) => ({ system: e.system, code: e.code, ...(e.display ? { display: e.display } : {}) })),
    },
  };
  if (body.expansion?.contains?.length === 0) delete body.expansion.contains;
  return { status: 200, headers: {}, body };
}

function parameters(list: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter: list };
}

/** The coded value to check: code + system, or a coding, or the codings of a CodeableConcept. */
function codingsToCheck(input: OperationInput): Coding[] {
  const cc = input.codings('codeableConcept');
  if (cc) return cc;
  const coding = input.coding('coding');
  if (coding) return [coding];
  const code = input.text('code');
  if (!code) throw badRequest('Give code (with system), coding or codeableConcept', 'code', 'required');
  return [{ code, system: input.text('system'), display: input.text('display') }];
}

async function validateCode(call: OperationCall, terminology: Terminology): Promise<FhirResponse> {
  const input = operationInput(call.req);
  const vs = await targetValueSet(call, input, terminology);
  const url = vs.url ?? '';
  if (!terminology.valueSet(url) || !terminology.canCheck(url)) {
    throw unprocessable(`Codes of value set ${url || vs.id} cannot be checked here`);
  }
  const checks = codingsToCheck(input).map((c) =>
    terminology.check(url, {
      code: c.code ?? '',
      ...(c.system ? { system: c.system } : {}),
      ...(c.display ? { display: c.display } : {}),
    }),
  );
  const ok = checks.find((c) => c?.result);
  const chosen = ok ?? checks[0];
  const out: ParametersParameter[] = [{ name: 'result', valueBoolean: ok !== undefined }];
  if (chosen?.message) out.push({ name: 'message', valueString: chosen.message });
  if (chosen?.display) out.push({ name: 'display', valueString: chosen.display });
  return { status: 200, headers: {}, body: parameters(out) };
}

async function lookup(call: OperationCall, terminology: Terminology): Promise<FhirResponse> {
  const input = operationInput(call.req);
  const coding = input.coding('coding');
  const system = coding?.system ?? input.text('system');
  const code = coding?.code ?? input.text('code');
  if (!system || !code)
    throw badRequest('Give system and code, or coding', system ? 'code' : 'system', 'required');
  const cs = terminology.codeSystem(system);
  if (!cs) throw notFound(`Code system ${system} is not available on this server`);
  const c = cs.get(code);
  if (!c) throw notFound(`Code '${code}' is not in ${system}`);
  const out: ParametersParameter[] = [{ name: 'name', valueString: cs.resource.name ?? system }];
  if (cs.resource.version) out.push({ name: 'version', valueString: cs.resource.version });
  out.push({ name: 'display', valueString: c.concept.display ?? c.code });
  for (const d of c.concept.designation ?? []) {
    out.push({
      name: 'designation',
      part: [
        ...(d.language ? [{ name: 'language', valueCode: d.language }] : []),
        { name: 'value', valueString: d.value },
      ],
    });
  }
  const property = (name: string, value: ParametersParameter) =>
    out.push({ name: 'property', part: [{ name: 'code', valueCode: name }, value] });
  if (c.concept.definition) property('definition', { name: 'value', valueString: c.concept.definition });
  if (c.parent) property('parent', { name: 'value', valueCode: c.parent });
  for (const child of c.children) property('child', { name: 'value', valueCode: child });
  return { status: 200, headers: {}, body: parameters(out) };
}

/** The three terminology operations, bound to a Terminology. */
export function terminologyOperations(terminology: Terminology): OperationSpec[] {
  return [
    {
      name: 'expand',
      levels: ['type', 'instance'],
      types: ['ValueSet'],
      methods: ['GET', 'POST'],
      definition: expandDefinition.url,
      operationDefinition: expandDefinition,
      handler: (call) => expand(call, terminology),
    },
    {
      name: 'validate-code',
      levels: ['type', 'instance'],
      types: ['ValueSet'],
      methods: ['GET', 'POST'],
      definition: validateCodeDefinition.url,
      operationDefinition: validateCodeDefinition,
      handler: (call) => validateCode(call, terminology),
    },
    {
      name: 'lookup',
      levels: ['type'],
      types: ['CodeSystem'],
      methods: ['GET', 'POST'],
      definition: lookupDefinition.url,
      operationDefinition: lookupDefinition,
      handler: (call) => lookup(call, terminology),
    },
  ];
}
